// End-to-end test of the Candor web client in real headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core) against a running
// `candor serve` (CANDOR_URL). Prints "N passed, N failed"; exit 1 on failure.
//
// Main flow: supervisor approves the investigator's authorization -> the
// investigator signs in, captures a face with the fake camera (a Y4M made here
// from an LFW photo), gets live quality feedback and searches -> an examiner
// confirms the right candidate -> a supervisor gives the second confirmation
// -> the investigator sees the released lead -> the auditor sees every step
// in the audit log, which verifies intact.
// Refusals: no authorization, expired training, wrong role (examiner and
// auditor calling identify / probe routes), and the same person twice.
//
// Environment: CANDOR_URL (required), CANDOR_E2E_ADMIN_PASSWORD (seeds accounts,
// gallery, enrollments and authorization through the API as account 'admin'),
// CANDOR_DATA (default ../shared/data), CANDOR_E2E_SCREENS (screenshot folder),
// CANDOR_E2E_MOCK=1 (UI development against e2e/mock_server.mjs: no seeding).
import {chromium} from 'playwright-core';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {writeY4m} from './y4m.mjs';
import {seed, PASSWORD} from './seed.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = process.env.CANDOR_URL;
if (!BASE) { console.error('set CANDOR_URL'); process.exit(2); }
const MOCK = process.env.CANDOR_E2E_MOCK === '1';
const DATA = resolve(process.env.CANDOR_DATA || join(here, '../../../shared/data'));
const SCREENS = resolve(process.env.CANDOR_E2E_SCREENS || join(here, '../../test-artifacts/screens'));
mkdirSync(join(SCREENS, 'masked'), {recursive: true});

const results = [];
let browser, work, fixture, lastPage;

const openContexts = new Set();
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({name, ok: true});
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({name, ok: false});
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 4).join('\n     ') : e}`);
    if (lastPage && !lastPage.isClosed()) {
      const text = await lastPage.locator('main').innerText().catch(() => '');
      console.log('     page text: ' + text.replace(/\s+/g, ' ').slice(0, 600));
      await lastPage.screenshot({path: join(SCREENS, 'FAILED-' + name.replace(/\W+/g, '-').slice(0, 40) + '.png'), fullPage: true}).catch(() => undefined);
    }
  } finally {
    // A failed step leaves no signed-in page polling the server.
    for (const ctx of openContexts) await ctx.close().catch(() => undefined);
    openContexts.clear();
  }
}
function assert(cond, msg) { if (!cond) throw new Error('assertion failed: ' + msg); }

const MOBILE = {width: 390, height: 844};
const DESKTOP = {width: 1280, height: 900};

async function as(user, viewport = MOBILE) {
  const ctx = await browser.newContext({viewport, baseURL: BASE, permissions: ['camera']});
  openContexts.add(ctx);
  const page = await ctx.newPage();
  lastPage = page;
  page.on('pageerror', (e) => console.log(`     [${user} page error] ${e.message}`));
  await page.goto('/');
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.locator('#whoami').waitFor({timeout: 10000});
  return {ctx, page};
}
// Each screen twice: as seen, and with every photo masked (masked/: the only
// ones fit to publish, since the photos come from LFW).
async function shot(page, name) {
  await page.screenshot({path: join(SCREENS, name + '.png'), fullPage: true});
  await page.screenshot({path: join(SCREENS, 'masked', name + '.png'), fullPage: true,
    mask: [page.locator('img, video, .stage')], maskColor: '#9aa5b1'});
}

/** Decodes a JPEG in the browser, letterboxes it into W x H, returns RGBA. */
async function decodeToRgba(jpegPath, W, H) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const b64 = readFileSync(jpegPath).toString('base64');
  const arr = await page.evaluate(async ({b64, W, H}) => {
    const img = new Image();
    img.src = 'data:image/jpeg;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = W; c.height = H;
    const g = c.getContext('2d');
    g.fillStyle = '#808080'; g.fillRect(0, 0, W, H);
    const s = Math.min(W / img.width, H / img.height);
    g.drawImage(img, (W - img.width * s) / 2, (H - img.height * s) / 2, img.width * s, img.height * s);
    return Array.from(g.getImageData(0, 0, W, H).data);
  }, {b64, W, H});
  await ctx.close();
  return Uint8Array.from(arr);
}

async function launch(extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...extra],
    // playwright gives every launch a new, empty --user-data-dir of its own (it refuses the flag).
  });
}

async function main() {
  work = mkdtempSync(join(tmpdir(), 'candor-e2e-'));
  fixture = MOCK ? {probeIdentity: 'Colin_Powell', probeJpeg: null, users: {investigator: 'ivan', examiner: 'erin', supervisor: 'sam', auditor: 'alice', lapsed: 'lapsed', noauth: 'noauth'}}
                 : await seed(BASE, DATA);
  const probe = fixture.probeJpeg || join(DATA, 'faces/lfw/Colin_Powell/Colin_Powell_0002.jpg');
  assert(existsSync(probe), 'probe photo exists: ' + probe);

  // 1. Make the fake camera's video from the probe photo.
  browser = await launch();
  const W = 640, H = 480;
  writeY4m(join(work, 'face.y4m'), await decodeToRgba(probe, W, H), W, H);
  await browser.close();
  browser = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${join(work, 'face.y4m')}`]);
  const U = fixture.users;
  let searchId = '';

  await step('sign-in screen is accessible and rejects a wrong password', async () => {
    const ctx = await browser.newContext({viewport: MOBILE, baseURL: BASE});
    const page = await ctx.newPage();
    await page.goto('/');
    await page.getByLabel('Username').fill(U.investigator);
    await page.getByLabel('Password').fill('not the password');
    await shot(page, '01-sign-in');
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.getByRole('alert').waitFor();
    assert((await page.getByRole('alert').textContent()).includes('Wrong username or password'), 'wrong password message');
    await ctx.close();
  });

  await step('supervisor approves the pending authorization', async () => {
    if (MOCK) return;
    const {ctx, page} = await as(U.supervisor);
    const row = page.locator(`[data-auth="${fixture.authorizationId}"]`);
    await row.waitFor();
    await shot(page, '02-supervisor-approve');
    await row.getByRole('button', {name: 'Approve'}).click();
    await page.locator('#pending-auths').waitFor({state: 'detached'});
    await ctx.close();
  });

  await step('investigator captures with the camera, sees live feedback, and searches', async () => {
    const {ctx, page} = await as(U.investigator);
    const radio = page.locator('input[name=auth]:not([disabled])').first();
    await radio.waitFor();
    await radio.check();
    await page.getByRole('button', {name: 'Start camera'}).click();
    await page.locator('.feedback[data-usable]').waitFor({timeout: 20000});
    await shot(page, '03-investigator-live-feedback');
    await page.getByRole('button', {name: 'Take photo'}).click();
    await page.locator('.feedback[data-usable="true"]').waitFor({timeout: 20000});
    const submit = page.getByRole('button', {name: 'Search for investigative leads'});
    // The live preview may already show a usable face; the still photo's own
    // quality check answers a moment later: wait (bounded) for it to enable submit.
    await page.waitForFunction(() => !document.querySelector('#submit-search')?.disabled, null,
                               {timeout: 20000}).catch(() => undefined);
    assert(await submit.isEnabled(), 'submit enabled after a usable photo');
    await submit.click();
    const ok = page.locator('.notice.ok', {hasText: 'recorded'});
    await ok.waitFor({timeout: 30000});
    searchId = (await ok.textContent()).match(/Request (\S+) recorded/)[1];
    await page.locator(`#my-searches [data-status]`).first().waitFor();
    const status = await page.locator('#my-searches li').first().getAttribute('data-status');
    assert(status === 'pending_review', 'search awaits review, got ' + status);
    assert((await page.locator('#my-searches').textContent()).toLowerCase().includes('not a positive identification'), 'lead label shown');
    await shot(page, '04-investigator-submitted');
    await ctx.close();
  });

  async function review(user, screen) {
    const {ctx, page} = await as(user, DESKTOP);
    // The review queue (GET /v1/searches); if the server does not list the
    // search there, open it by its reference, and say so.
    await page.locator('.queue h3').waitFor();
    const link = page.locator(`[data-search="${searchId}"]`);
    if (await link.count()) await link.click();
    else {
      console.log(`     note: search ${searchId} is not in ${user}'s review queue; opened by reference`);
      await page.getByLabel('Open a search by its reference').fill(searchId);
      await page.getByRole('button', {name: 'Open', exact: true}).click();
    }
    const cand = page.locator(`.candidate[data-subject="${fixture.probeIdentity}"]`);
    await cand.waitFor();
    assert((await page.locator('.review').textContent()).toLowerCase().includes('not a positive identification'), 'lead label on review');
    assert((await cand.locator('.scores').textContent()).includes('FPIR'), 'FPIR shown');
    await shot(page, screen);
    await cand.getByLabel(`Notes on ${fixture.probeIdentity}`).fill(`Compared eyes, nose, ears: consistent (${user}).`);
    await cand.getByRole('button', {name: 'Confirm'}).click();
    await page.locator('.review .notice.ok', {hasText: 'is recorded'}).waitFor();
    return {ctx, page};
  }

  await step('examiner sees probe and candidates side by side and confirms', async () => {
    assert(searchId, 'a search was made');
    const {ctx, page} = await review(U.examiner, '05-examiner-review');
    const cand = page.locator(`.candidate[data-subject="${fixture.probeIdentity}"]`);
    assert(await cand.getByRole('button', {name: 'Confirm'}).isDisabled(), 'cannot review the same candidate twice');
    await ctx.close();
  });

  await step('second person (supervisor) confirms and the lead is released', async () => {
    const {ctx, page} = await review(U.supervisor, '06-second-confirmation');
    await page.locator('.review', {hasText: 'Lead released'}).waitFor();
    await shot(page, '07-lead-released');
    await ctx.close();
  });

  await step('investigator sees the released lead', async () => {
    const {ctx, page} = await as(U.investigator);
    const card = page.locator('#my-searches li[data-status="lead_released"]');
    await card.waitFor({timeout: 10000});
    await card.locator('.lead-text').waitFor();
    assert((await card.textContent()).includes(fixture.probeIdentity), 'lead names the confirmed subject');
    await shot(page, '08-investigator-lead');
    await ctx.close();
  });

  await step('refusal: investigator with no authorization is told why and cannot search', async () => {
    const {ctx, page} = await as(U.noauth);
    await page.locator('.auths .notice.warn').waitFor();
    assert(await page.getByRole('button', {name: 'Search for investigative leads'}).isDisabled(), 'submit disabled');
    await shot(page, '09-refused-no-authorization');
    await ctx.close();
  });

  await step('refusal: lapsed training is shown and the server refuses the search', async () => {
    const {ctx, page} = await as(U.lapsed);
    await page.locator('.notice.error', {hasText: 'training expired'}).waitFor();
    assert(await page.getByRole('button', {name: 'Search for investigative leads'}).isDisabled(), 'submit disabled');
    const status = await page.evaluate(async ({auth, image}) => {
      const r = await fetch('/v1/identify', {method: 'POST', headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + sessionStorage.getItem('candor.token')},
        body: JSON.stringify({authorization_id: auth, gallery: 'demo', image})});
      return r.status;
    }, {auth: fixture.authorizationId || 'A1', image: readFileSync(probe).toString('base64')});
    assert(status === 403, 'server refuses a lapsed investigator with 403, got ' + status);
    await shot(page, '10-refused-training-lapsed');
    await ctx.close();
  });

  await step('refusal: wrong role (examiner cannot search, auditor cannot see the probe)', async () => {
    const {ctx, page} = await as(U.examiner);
    assert(await page.getByRole('button', {name: 'Search for investigative leads'}).count() === 0, 'no search screen for examiners');
    const s1 = await page.evaluate(async ({auth, image}) => (await fetch('/v1/identify', {method: 'POST',
      headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + sessionStorage.getItem('candor.token')},
      body: JSON.stringify({authorization_id: auth, gallery: 'demo', image})})).status,
    {auth: fixture.authorizationId || 'A1', image: readFileSync(probe).toString('base64')});
    assert(s1 === 403, 'examiner identify -> 403, got ' + s1);
    await ctx.close();
    const a = await as(U.auditor);
    const s2 = await a.page.evaluate(async (id) => (await fetch(`/v1/searches/${id}/probe`, {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('candor.token')}})).status, searchId);
    assert(s2 === 403, 'auditor probe -> 403, got ' + s2);
    await a.ctx.close();
  });

  await step('auditor sees every step in the audit log and it verifies intact', async () => {
    const {ctx, page} = await as(U.auditor, DESKTOP);
    await page.locator('.verify[data-intact]').waitFor({timeout: 20000});
    assert(await page.locator('.verify').getAttribute('data-intact') === 'true', 'audit intact: ' + await page.locator('.verify').textContent());
    await page.locator('#audit-log tbody tr').first().waitFor();
    const more = page.getByRole('button', {name: 'Load more'});
    while (await more.isVisible()) {
      await more.click();
      await page.waitForFunction(() => {  // the page has arrived (button enabled again, or gone)
        const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Load more');
        return !b || b.hidden || !b.disabled;
      });
    }
    const rows = await page.locator('#audit-log tbody tr').evaluateAll((trs) => trs.map((tr) => tr.textContent));
    const text = rows.join('\n');
    for (const u of [U.supervisor, U.investigator, U.examiner, U.lapsed, U.auditor]) assert(text.includes(u), `audit names ${u}`);
    for (const re of [/identify/i, /review|confirm/i, /approve/i, /refus|denied|permission/i]) assert(re.test(text), 'audit has ' + re);
    assert(!/data:image|base64/.test(await page.content()), 'no image data on the auditor screen');
    assert(await page.locator('#audit-log img, #transparency img').count() === 0, 'no photos shown to auditors');
    await page.locator('#transparency .tiles').waitFor();
    await shot(page, '11-auditor');
    // Smaller views for the README (no photo is ever on this screen).
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({path: join(SCREENS, 'masked', '11-auditor-top.png')});
    await page.locator('#transparency').screenshot({path: join(SCREENS, 'masked', '12-transparency.png')});
    await ctx.close();
  });

  await browser.close();
  rmSync(work, {recursive: true, force: true});
  const passed = results.filter((r) => r.ok).length, failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  console.log(`screenshots in ${SCREENS}`);
  process.exit(failed ? 1 : 0);
}

main().catch(async (e) => {
  console.log('FAIL setup: ' + (e && e.stack ? e.stack : e));
  if (browser) await browser.close().catch(() => undefined);
  console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
});
