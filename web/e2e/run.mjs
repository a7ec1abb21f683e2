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
// Other outcomes: a photo with no face (feedback says so, no search possible),
// an uploaded photo of someone not in the gallery (no candidate above
// threshold, for the investigator and the examiner), an examiner's rejection
// (no lead released), and a supervisor backing an exigent authorization with
// a warrant before its deadline (the countdown goes away).
// Fingerprints: a print (FVC2002 DB1-B TIFF) uploaded to a finger gallery and
// searched; the examiner sees probe and candidate prints side by side with
// the paired minutiae drawn, and confirms.
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
import {seed, seedFingers, identify, signInAs, PASSWORD} from './seed.mjs';

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
// Console errors and uncaught page errors of every signed-in page; a step with
// any fails. Expected refusals (4xx answers the test provokes) are not errors.
const consoleErrors = [];
async function step(name, fn) {
  const t0 = Date.now();
  consoleErrors.length = 0;
  try {
    await fn();
    if (consoleErrors.length) throw new Error('console errors: ' + consoleErrors.join(' | '));
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
/** The same page at the phone's width: nothing scrolls sideways (wide tables scroll in their own box). */
async function fitsPhone(page, what) {
  await page.setViewportSize(MOBILE);
  const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert(w[0] <= w[1], `${what} at 390 px: no sideways scroll (${w[0]} > ${w[1]})`);
}

const MOBILE = {width: 390, height: 844};
const DESKTOP = {width: 1280, height: 900};

async function as(user, viewport = MOBILE) {
  const ctx = await browser.newContext({viewport, baseURL: BASE, permissions: ['camera']});
  openContexts.add(ctx);
  const page = await ctx.newPage();
  lastPage = page;
  page.on('pageerror', (e) => { console.log(`     [${user} page error] ${e.message}`); consoleErrors.push(`${user}: ${e.message}`); });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) consoleErrors.push(`${user}: ${m.text()}`);
  });
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

/** A PNG with no face in it (grey gradient and noise), drawn in the browser at test time. */
async function noFacePng(W, H) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const b64 = await page.evaluate(({W, H}) => {
    const c = document.createElement('canvas');
    c.width = W; c.height = H;
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, W, H);
    grad.addColorStop(0, '#6b7280'); grad.addColorStop(1, '#c9ccd1');
    g.fillStyle = grad; g.fillRect(0, 0, W, H);
    const img = g.getImageData(0, 0, W, H);
    let seed = 12345;  // deterministic noise
    for (let i = 0; i < img.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = (seed % 41) - 20;
      img.data[i] += n; img.data[i + 1] += n; img.data[i + 2] += n;
    }
    g.putImageData(img, 0, 0);
    return c.toDataURL('image/png').split(',')[1];
  }, {W, H});
  await ctx.close();
  return Buffer.from(b64, 'base64');
}

/** Two LFW photos side by side in one JPEG (two faces), composed in the browser. */
async function twoFacesJpeg(a, b) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const out = await page.evaluate(async ([a, b]) => {
    const imgs = [];
    for (const src of [a, b]) { const i = new Image(); i.src = 'data:image/jpeg;base64,' + src; await i.decode(); imgs.push(i); }
    const c = document.createElement('canvas');
    c.width = imgs[0].width + imgs[1].width; c.height = Math.max(imgs[0].height, imgs[1].height);
    const g = c.getContext('2d');
    g.drawImage(imgs[0], 0, 0); g.drawImage(imgs[1], imgs[0].width, 0);
    return c.toDataURL('image/jpeg', 0.92).split(',')[1];
  }, [readFileSync(a).toString('base64'), readFileSync(b).toString('base64')]);
  await ctx.close();
  return Buffer.from(out, 'base64');
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

  await step('supervisor sees the request in full and approves it, with a message', async () => {
    if (MOCK) return;
    const {ctx, page} = await as(U.supervisor, DESKTOP);
    const row = page.locator(`#pending-auths [data-auth="${fixture.authorizationId}"]`);
    await row.waitFor();
    const text = await row.textContent();
    for (const want of ['armed robbery', 'District Court', 'Search limit', '5 searches', 'W-2026-0142', 'CASE-7731', U.investigator])
      assert(text.includes(want), `pending row shows ${want}: ${text}`);
    assert(await row.getByRole('button', {name: 'Deny'}).isEnabled(), 'Deny offered beside Approve');
    await shot(page, '02-supervisor-approve');
    await fitsPhone(page, 'supervisor approval');
    await row.getByRole('button', {name: 'Approve'}).click();
    const flash = page.locator('#auth-flash');
    await flash.waitFor();
    assert((await flash.textContent()).includes(`Approved ${fixture.authorizationId}`), 'approval confirmed: ' + await flash.textContent());
    assert(await page.locator(`#pending-auths [data-auth="${fixture.authorizationId}"]`).count() === 0, 'no longer pending');
    await ctx.close();
  });

  let requestedId = '';
  await step('investigator requests an authorization in the browser; a supervisor denies it with a note', async () => {
    if (MOCK) return;
    const inv = await as(U.investigator);
    await inv.page.locator('summary', {hasText: 'Request a new authorization'}).click();
    const f = inv.page.locator('#request-auth');
    await f.getByLabel('Legal basis').selectOption('court_order');
    await f.getByLabel('Reference (warrant or order number)').fill('CO-2026-0311');
    await f.getByLabel('Issuing authority').fill('High Court, Judge Marsh');
    await f.getByLabel('Case', {exact: true}).fill('CASE-8120');
    await f.getByLabel('Purpose').fill('fraud ring');
    await f.getByLabel('demo').check();
    await f.getByLabel('Search limit').fill('3');
    await shot(inv.page, '02b-investigator-request');
    await f.getByRole('button', {name: 'Send request for approval'}).click();
    const ok = f.locator('.notice.ok');
    await ok.waitFor();
    requestedId = (await ok.textContent()).match(/Request (\S+) for case/)[1];
    const mineRow = inv.page.locator(`.auth:has(input[value="${requestedId}"])`);
    await mineRow.waitFor();
    assert((await mineRow.textContent()).includes("Waiting for a supervisor's approval"), 'listed as pending: ' + await mineRow.textContent());
    assert(await mineRow.locator('input').isDisabled(), 'a pending authorization cannot be searched under');
    await inv.ctx.close();

    const {ctx, page} = await as(U.supervisor, DESKTOP);
    const row = page.locator(`#pending-auths [data-auth="${requestedId}"]`);
    await row.waitFor();
    for (const want of ['fraud ring', 'High Court, Judge Marsh', '3 searches']) assert((await row.textContent()).includes(want), 'row shows ' + want);
    await row.getByRole('button', {name: 'Deny'}).click();
    await row.locator('.notice.error', {hasText: 'Say why'}).waitFor();
    await row.getByLabel('Note').fill('The order names another suspect; ask the court for a corrected order.');
    await row.getByRole('button', {name: 'Deny'}).click();
    const flash = page.locator('#auth-flash');
    await flash.waitFor();
    assert((await flash.textContent()).includes(`Denied ${requestedId}`), 'denial confirmed: ' + await flash.textContent());
    assert(await page.locator(`#pending-auths [data-auth="${requestedId}"]`).count() === 0, 'no longer pending');
    await ctx.close();

    const again = await as(U.investigator);
    const denied = again.page.locator(`.auth:has(input[value="${requestedId}"])`);
    await denied.waitFor();
    assert((await denied.textContent()).includes('Denied'), 'the investigator sees it denied: ' + await denied.textContent());
    await again.ctx.close();
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
    const chosenAuth = await page.locator('input[name=auth]:checked').getAttribute('value');
    // A slow network (1.5 s before the request leaves): progress, not a bare "Searching…".
    await page.route('**/v1/identify', async (r) => { await new Promise((res) => setTimeout(res, 1500)); await r.continue(); });
    await submit.click();
    const prog = page.locator('#search-result .progress');
    await prog.waitFor();
    await page.waitForFunction(() => /Searching… \d+ s/.test(document.querySelector('#search-result .progress')?.textContent ?? ''), null, {timeout: 5000});
    assert((await prog.textContent()).includes('Sending the photo'), 'says what is happening: ' + await prog.textContent());
    const ok = page.locator('.notice.ok', {hasText: 'recorded'});
    await ok.waitFor({timeout: 30000});
    searchId = (await ok.textContent()).match(/Request (\S+) recorded/)[1];
    await page.locator(`#my-searches [data-status]`).first().waitFor();
    const status = await page.locator('#my-searches li').first().getAttribute('data-status');
    assert(status === 'pending_review', 'search awaits review, got ' + status);
    assert(await page.locator('.label-lead').count() === 1, 'the lead label once on the screen, got ' + await page.locator('.label-lead').count());
    assert((await page.locator('.label-lead').textContent()).toLowerCase().includes('not a positive identification'), 'lead label shown');
    await page.waitForFunction(() => !!document.querySelector('#my-searches li .two-person'));
    const tp = await page.locator('#my-searches li').first().locator('.two-person').textContent();
    assert(tp.startsWith('0 of 2 confirmations'), 'two-person state before any review: ' + tp);
    // The form keeps its authorization and gallery after the search.
    await page.locator(`input[name=auth][value="${chosenAuth}"]:checked`).waitFor();
    assert(await page.locator('#gallery').inputValue() === 'demo', 'gallery kept');
    assert(!(await page.locator('#submit-why').textContent()).includes('Choose'), 'no "choose an authorization" after a search');
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
    assert(await page.locator('.label-lead').count() === 1, 'the lead label once on the screen');
    assert((await page.locator('.label-lead').textContent()).toLowerCase().includes('not a positive identification'), 'lead label on review');
    assert((await cand.locator('.scores').textContent()).includes('FPIR'), 'FPIR shown');
    // Both photos, side by side: the review is never blind.
    for (const role of ['probe', 'candidate']) {
      const img = cand.locator(`.sample[data-role=${role}][data-kept=true] img`);
      await img.waitFor();
      assert(await img.evaluate((i) => i.complete && i.naturalWidth > 0), role + ' photo shown');
    }
    assert(await page.locator('details.explain summary').count() === 1, 'score, threshold and FPIR explained');
    // Which calibration the threshold and the rates came from (issue 10).
    const src = page.locator('.review .threshold-source');
    assert(await src.count() === 1, 'the threshold\'s calibration is named');
    assert(/calibration/.test(await src.textContent()), 'threshold source in words: ' + await src.textContent());
    await cand.getByLabel(`Notes on ${fixture.probeIdentity}`).fill(`Compared eyes, nose, ears: consistent (${user}).`);
    const before = await page.locator('.review .two-person').textContent();
    await shot(page, screen);
    await cand.getByRole('button', {name: 'Confirm'}).click();
    await page.locator('.review .notice.ok', {hasText: 'is recorded'}).waitFor();
    return {ctx, page, before};
  }

  await step('examiner sees probe and candidates side by side and confirms', async () => {
    assert(searchId, 'a search was made');
    const {ctx, page, before} = await review(U.examiner, '05-examiner-review');
    assert(before.startsWith('0 of 2 confirmations'), 'before: ' + before);
    const cand = page.locator(`.candidate[data-subject="${fixture.probeIdentity}"]`);
    assert(await cand.getByRole('button', {name: 'Confirm'}).isDisabled(), 'cannot review the same candidate twice');
    const after = await page.locator('.review .two-person').textContent();
    assert(after.startsWith(`1 of 2 confirmations — needs a second reviewer (not ${U.examiner})`), 'after the first confirmation: ' + after);
    await shot(page, '05b-examiner-first-confirmation');
    await fitsPhone(page, 'examiner review');
    assert(await page.locator('.review .two-person').isVisible(), 'the two-person state on a phone');
    await page.setViewportSize(DESKTOP);
    // The search leaves this examiner's queue (they cannot act on it) and waits for another person.
    await page.locator(`#waiting-queue [data-search="${searchId}"]`).waitFor({state: 'attached', timeout: 10000});
    assert(await page.locator(`#review-queue [data-search="${searchId}"]`).count() === 0, 'not in the queue of someone who cannot act on it');
    await ctx.close();
    // The investigator sees the same state.
    const inv = await as(U.investigator);
    const card = inv.page.locator(`#my-searches li[data-search="${searchId}"] .two-person`);
    await card.waitFor();
    assert((await card.textContent()).startsWith('1 of 2 confirmations'), 'investigator sees 1 of 2: ' + await card.textContent());
    await inv.ctx.close();
  });

  await step('second person (supervisor) confirms and the lead is released', async () => {
    const {ctx: c0, page: p0} = await as(U.supervisor, DESKTOP);
    const q = p0.locator(`[data-queue="${searchId}"] .two-person`);
    await q.waitFor();
    assert((await q.textContent()).includes('Yours is the missing one') && (await q.textContent()).includes(`not ${U.examiner}`), 'the supervisor is told theirs is missing: ' + await q.textContent());
    assert((await p0.locator('#yours-missing').textContent()).startsWith('1 search has one confirmation and needs yours'), 'said above the queue too');
    await c0.close();
    const {ctx, page, before} = await review(U.supervisor, '06-second-confirmation');
    assert(before.includes('Yours is the missing one'), 'on the review too: ' + before);
    await page.locator('.review', {hasText: 'Lead released'}).waitFor();
    assert((await page.locator('.review .two-person').textContent()).startsWith('2 of 2 confirmations'), 'released: 2 of 2');
    await shot(page, '07-lead-released');
    await ctx.close();
  });

  await step('investigator sees the released lead', async () => {
    const {ctx, page} = await as(U.investigator);
    const card = page.locator('#my-searches li[data-status="lead_released"]');
    await card.waitFor({timeout: 10000});
    await card.locator('.lead-text').waitFor();
    assert((await card.textContent()).includes(fixture.probeIdentity), 'lead names the confirmed subject');
    const lead = await card.locator('.lead-text').textContent();
    assert(lead.includes(`Lead: ${fixture.probeIdentity}`) && lead.includes('enrolment record') && lead.includes('not an identification'), 'the lead says what it is: ' + lead);
    assert(await page.locator('.label-lead').count() === 1, 'one lead label on the screen');
    await shot(page, '08-investigator-lead');
    await ctx.close();
  });

  // The investigator's usable authorization (the approved warrant) picked in the form.
  async function pickAuthorization(page) {
    const radio = page.locator(`input[name=auth][value="${fixture.authorizationId}"]`);
    await radio.waitFor();
    assert(await radio.isEnabled(), 'the approved warrant is usable');
    await radio.check();
  }

  await step('photo with no face: the feedback says so and the search stays disabled (two faces: said too)', async () => {
    if (MOCK) return;
    const {ctx, page} = await as(U.investigator);
    await pickAuthorization(page);
    await page.locator('#probe-file').setInputFiles({name: 'no-face.png', mimeType: 'image/png', buffer: await noFacePng(640, 480)});
    const fb = page.locator('.feedback[data-usable="false"]');
    await fb.waitFor({timeout: 20000});
    const issue = fb.locator('li[data-issue="no face found"]');
    await issue.waitFor({timeout: 10000});
    const text = await issue.textContent();
    assert(text.startsWith('No face found:') && text !== 'no face found', 'plain "no face" hint, not the raw server text: ' + text);
    assert((await fb.textContent()).includes('Not usable for a search'), 'says the photo is not usable');
    assert(!(await fb.textContent()).includes('Good photo'), 'no "good photo" for a blank picture');
    assert(await page.getByRole('button', {name: 'Search for investigative leads'}).isDisabled(), 'submit disabled without a face');
    assert((await page.locator('#submit-why').textContent()).includes('not usable'), 'the reason the search is disabled is given');
    await shot(page, '13-investigator-no-face');
    // Two faces in one photo: said in words too, not as the server's raw text.
    await page.locator('#probe-file').setInputFiles({name: 'two-faces.jpg', mimeType: 'image/jpeg',
      buffer: await twoFacesJpeg(fixture.photoOf(fixture.names[3], 1), fixture.photoOf(fixture.names[4], 1))});
    const several = page.locator('.feedback li[data-issue="more than one face: the largest is used"]');
    await several.waitFor({timeout: 10000});
    assert((await several.textContent()).startsWith('Several faces:'), 'plain "several faces" hint: ' + await several.textContent());
    assert(!(await page.locator('.feedback').textContent()).includes('one face'), 'not called "one face": ' + await page.locator('.feedback').textContent());
    await shot(page, '13b-investigator-two-faces');
    // A face tilted down (faces/wild img7: pitch about -26 degrees): the hint says tilted up/down.
    const tilted = join(DATA, 'faces/wild/img7.jpg');
    if (existsSync(tilted)) {
      await page.locator('#probe-file').setInputFiles(tilted);
      const turned = page.locator('.feedback li[data-issue="turned"]');
      await turned.waitFor({timeout: 10000});
      assert((await turned.textContent()).includes('tilted up/down'), 'pitch hint: ' + await turned.textContent());
    }
    // A file that is no photo: the error replaces the previous photo.
    assert(await page.locator('.stage img').isVisible(), 'a photo is on screen');
    await page.locator('#probe-file').setInputFiles({name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo')});
    await page.locator('.feedback [role=alert]', {hasText: 'is not a photo this browser can read'}).waitFor();
    assert(!(await page.locator('.stage').isVisible()), 'the previous photo is gone');
    assert(await page.getByRole('button', {name: 'Search for investigative leads'}).isDisabled(), 'nothing to search');
    const box = await page.locator('#probe-file').boundingBox();
    assert(await page.locator('#probe-file + .file-label').isVisible() && box && box.width <= 1 && box.height <= 1, 'one visible upload control (the native one hidden): ' + JSON.stringify(box));
    await ctx.close();
    // No camera on the device: said in words, not "8: Requested device not found".
    const nc = await as(U.investigator);
    await nc.page.evaluate(() => { navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError')); });
    await nc.page.getByRole('button', {name: 'Start camera'}).click();
    const camErr = nc.page.locator('.feedback [data-camera-error="NotFoundError"]');
    await camErr.waitFor();
    assert((await camErr.textContent()).startsWith('No camera was found on this device'), 'camera error in words: ' + await camErr.textContent());
    await nc.ctx.close();
  });

  let strangerSearchId = '';
  await step('uploaded photo: live feedback, then "no candidate above threshold" shown as such', async () => {
    if (MOCK) return;
    assert(fixture.strangerJpeg && existsSync(fixture.strangerJpeg), 'a photo of someone not enrolled: ' + fixture.strangerJpeg);
    const {ctx, page} = await as(U.investigator);
    await pickAuthorization(page);
    await page.locator('#mine-h').waitFor();  // the request list has loaded (else `before` may count none)
    const before = await page.locator('#my-searches li').count();
    // A slow upload (1.5 s before the quality check leaves): progress, with the size.
    await page.route('**/v1/quality', async (r) => { await new Promise((res) => setTimeout(res, 1500)); await r.continue(); });
    await page.locator('#probe-file').setInputFiles(fixture.strangerJpeg);
    const up = page.locator('.feedback .progress');
    await up.waitFor();
    assert(/Checking the photo/.test(await up.textContent()) && /Sending \d+ kB/.test(await up.textContent()), 'upload progress: ' + await up.textContent());
    const fb = page.locator('.feedback[data-usable]');
    await fb.waitFor({timeout: 20000});
    assert(await fb.getAttribute('data-usable') === 'true', 'uploaded photo judged usable: ' + await fb.textContent());
    assert(/Good photo: one face, quality \d+\/100/.test(await fb.textContent()), 'quality feedback for the upload: ' + await fb.textContent());
    assert(await page.locator('.stage img').isVisible(), 'the uploaded photo is shown');
    await shot(page, '14-investigator-upload-feedback');
    const submit = page.getByRole('button', {name: 'Search for investigative leads'});
    assert(await submit.isEnabled(), 'submit enabled for a usable upload');
    await submit.click();
    const ok = page.locator('.notice.ok', {hasText: 'recorded'});
    await ok.waitFor({timeout: 30000});
    const okText = await ok.textContent();
    strangerSearchId = okText.match(/Request (\S+) recorded/)[1];
    assert(okText.includes('No candidate above threshold'), 'the result says no candidate above threshold: ' + okText);
    await page.locator('#submit-why', {hasText: 'has been searched'}).waitFor();
    assert(await submit.isDisabled(), 'the same photo cannot be searched twice by a second click');
    const card = page.locator('#my-searches li').first();  // newest first
    await card.locator('strong', {hasText: 'No candidate above threshold'}).waitFor();
    assert(await page.locator('#my-searches li').count() === before + 1, 'one more request listed');
    assert(await card.getAttribute('data-status') === 'no_candidate', 'status no_candidate, got ' + await card.getAttribute('data-status'));
    assert((await card.textContent()).includes('This is a result, not an error'), 'explained as a result');
    assert(await card.locator('.lead, .lead-text, .label-lead').count() === 0, 'no lead and no lead label on a no-candidate card');
    assert(!(await card.textContent()).includes(fixture.strangerIdentity), 'no name on a no-candidate search');
    await shot(page, '15-investigator-no-candidate');
    await ctx.close();
  });

  await step('examiner sees the no-candidate search as such, with no candidates', async () => {
    if (MOCK) return;
    assert(strangerSearchId, 'the no-candidate search was made');
    const {ctx, page} = await as(U.examiner, DESKTOP);
    await page.locator('.queue h3').waitFor();
    assert(await page.locator(`[data-search="${strangerSearchId}"]`).count() === 0, 'a no-candidate search is not queued for review');
    await page.getByLabel('Open a search by its reference').fill(strangerSearchId);
    await page.getByRole('button', {name: 'Open', exact: true}).click();
    const review = page.locator(`#review-${strangerSearchId}`);
    await review.waitFor();
    await review.locator('.no-candidate', {hasText: 'No candidate above threshold'}).waitFor();
    assert(await review.locator('.candidate').count() === 0, 'no candidate shown');
    assert(await review.getByRole('button', {name: /Confirm|Reject/}).count() === 0, 'nothing to confirm or reject');
    await shot(page, '16-examiner-no-candidate');
    // A wrong reference gets a plain message, not the server's "NOT_FOUND: search '…' not found".
    await page.getByLabel('Open a search by its reference').fill('srch-no-such-search');
    await page.getByRole('button', {name: 'Open', exact: true}).click();
    const err = page.locator('.detail .notice.error');
    await err.waitFor();
    const t = await err.textContent();
    assert(t.startsWith('No search has that reference') && !t.includes('NOT_FOUND'), 'plain not-found message: ' + t);
    await ctx.close();
  });

  await step('examiner rejects a candidate with a note; the lead is not released', async () => {
    if (MOCK) return;
    const subject = fixture.names[1];
    const ivan = await signInAs(BASE, U.investigator);
    const s = await identify(BASE, ivan, fixture.authorizationId, fixture.photoOf(subject));
    assert(s.status === 'pending_review', 'seeded search awaits review, got ' + s.status);
    const {ctx, page} = await as(U.examiner, DESKTOP);
    // As a gallery that kept no enrolment photos would answer (404 for every
    // candidate photo): the screen says so before Confirm and requires an
    // explicit acknowledgement with the note.
    await page.route(`**/v1/searches/${s.id}/candidates/*/image`, (r) => r.fulfill({status: 404, contentType: 'application/json',
      body: JSON.stringify({error: {code: 'NOT_FOUND', message: 'no image kept for this candidate'}})}));
    const link = page.locator(`[data-search="${s.id}"]`);
    await link.waitFor({timeout: 10000});
    await link.click();
    const cand = page.locator(`.candidate[data-subject="${subject}"]`);
    await cand.waitFor();
    assert(await cand.getAttribute('data-photo') === 'missing', 'candidate photo marked missing');
    assert((await cand.locator('.sample[data-role=candidate]').textContent()).includes('No enrolment photo kept'), 'says no photo');
    await cand.locator('.notice.blind').waitFor();
    await cand.getByLabel(`Notes on ${subject}`).fill('Compared with the record only.');
    await cand.getByRole('button', {name: 'Confirm'}).click();
    await cand.locator('.notice.error', {hasText: 'tick the box'}).waitFor();
    assert(await page.locator('.review .notice.ok').count() === 0, 'no blind confirmation recorded');
    await shot(page, '17a-examiner-no-candidate-photo');
    const note = `Ear shape and hairline differ from the probe: not the same person (${U.examiner}).`;
    await cand.getByLabel(`Notes on ${subject}`).fill(note);
    await cand.getByRole('button', {name: 'Reject'}).click();
    await page.locator('.review .notice.ok', {hasText: `reject of ${subject} is recorded`}).waitFor();
    const after = page.locator(`.candidate[data-subject="${subject}"]`);
    assert(await after.getAttribute('data-rejected') === 'true', 'candidate marked rejected');
    assert((await after.locator('.rejected-note').textContent()).includes(`Rejected by ${U.examiner}`), 'rejection shown');
    assert((await after.locator('.reviews li[data-decision="reject"]').textContent()).includes(note), 'the note is shown');
    assert(await after.getByRole('button', {name: 'Confirm'}).isDisabled() && await after.getByRole('button', {name: 'Reject'}).isDisabled(), 'no second review by the same examiner');
    assert(await page.locator('.review', {hasText: 'Lead released'}).count() === 0, 'no lead released');
    await shot(page, '17-examiner-rejected');
    await ctx.close();

    const inv = await as(U.investigator);
    await inv.page.locator('#my-searches li').first().waitFor();
    const cards = inv.page.locator('#my-searches li');
    // My requests lists newest first or oldest first: find this one by its
    // status text and the absence of a lead, not by position.
    const n = await cards.count();
    assert(n >= 3, 'all three requests listed, got ' + n);
    const released = await inv.page.locator('#my-searches li[data-status="lead_released"]').count();
    assert(released === 1, 'only the first search released a lead, got ' + released);
    assert(!(await inv.page.locator('#my-searches').textContent()).includes(subject), 'the rejected subject is not named to the investigator');
    const leadStatus = await inv.page.evaluate(async (id) => (await fetch(`/v1/searches/${id}/lead`, {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('candor.token')}})).status, s.id);
    assert(leadStatus >= 400, 'the server releases no lead for the rejected search, got HTTP ' + leadStatus);
    await shot(inv.page, '18-investigator-not-released');
    await inv.ctx.close();
  });

  await step('supervisor backs an exigent authorization before its deadline; the countdown goes away', async () => {
    if (MOCK) return;
    // The examiner sees the search made under it flagged as exigent.
    const ex = await as(U.examiner, DESKTOP);
    const link = ex.page.locator(`[data-search="${fixture.exigentSearchId}"]`);
    await link.waitFor({timeout: 10000});
    await link.click();
    await ex.page.locator('.review .notice.warn', {hasText: 'Exigent search: must be backed'}).waitFor();
    const {ctx, page} = await as(U.supervisor, DESKTOP);
    const row = page.locator(`#exigent-auths [data-auth="${fixture.exigentId}"]`);
    await row.waitFor();
    const cd = row.locator('.countdown');
    await page.waitForFunction((id) => /\d/.test(document.querySelector(`[data-auth="${id}"] .countdown`)?.textContent ?? ''), fixture.exigentId);
    const t1 = await cd.textContent();
    // The time left as shown ("47 h 59 min left", "12 min 3 s left", "40 s left")
    // matches the deadline the server gives (48 h after it was declared by default).
    const m = t1.match(/^(?:(\d+) h (\d+) min|(\d+) min (\d+) s|(\d+) s) left$/);
    assert(m, 'a countdown of time left: ' + t1);
    const shownMs = ((+(m[1] ?? 0)) * 3600 + (+(m[2] ?? m[3] ?? 0)) * 60 + (+(m[4] ?? m[5] ?? 0))) * 1000;
    const leftMs = Date.parse(await cd.getAttribute('data-deadline')) - Date.now();
    assert(leftMs > 0 && Math.abs(shownMs - leftMs) < 120e3, `countdown ${t1} vs ${Math.round(leftMs / 60e3)} min to the server's deadline`);
    const dueMs = Date.parse((await row.textContent()).match(/due (\S+ \S+):/)?.[1].replace(' ', 'T') ?? '');
    assert(Math.abs(dueMs - Date.parse(await cd.getAttribute('data-deadline'))) < 60e3, 'the deadline is shown as a time');
    assert(!(await cd.getAttribute('class')).includes('overdue'), 'not overdue');
    // Only the warrant of the same case is offered.
    const opts = await row.locator('select option').evaluateAll((os) => os.map((o) => o.value));
    assert(opts.length === 1 && opts[0] === fixture.backingId, 'only the same-case warrant offered: ' + opts.join(','));
    await shot(page, '19-supervisor-exigent-countdown');
    await row.getByLabel('Back with').selectOption(fixture.backingId);
    await row.getByRole('button', {name: 'Record backing'}).click();
    await page.locator('.supervisor .notice.ok', {hasText: 'is now backed by'}).waitFor();
    assert(await page.locator(`#exigent-auths [data-auth="${fixture.exigentId}"]`).count() === 0, 'no longer listed as to resolve');
    const done = page.locator(`#backed-auths [data-auth="${fixture.exigentId}"]`);
    await done.waitFor();
    assert((await done.textContent()).includes(`Backed by ${fixture.backingId}`), 'shown as backed');
    assert(await done.locator('.countdown').count() === 0, 'no countdown once backed');
    assert(await page.locator('.supervisor .countdown').count() === 0, 'no exigent countdown left');
    await shot(page, '20-supervisor-exigent-backed');
    // The search made under it is no longer due for purge: the examiner's
    // screen drops its exigent warning.
    await ex.page.getByLabel('Open a search by its reference').fill(fixture.exigentSearchId);
    await ex.page.getByRole('button', {name: 'Open', exact: true}).click();
    await ex.page.locator(`#review-${fixture.exigentSearchId}`).waitFor();
    await ex.page.locator(`#review-${fixture.exigentSearchId} .candidate`).first().waitFor();
    assert(await ex.page.locator('.review .notice.warn', {hasText: 'Exigent search'}).count() === 0, 'no exigent warning once backed');
    await ctx.close();
    await ex.ctx.close();
  });

  await step('fingerprints: a print uploaded to a finger gallery; the examiner sees both prints with the paired minutiae and confirms', async () => {
    if (MOCK) return;
    const f = await seedFingers(BASE, DATA, U);
    if (!f) { console.log('     note: no FVC2002 DB1-B prints under CANDOR_DATA: fingerprint step skipped'); return; }
    const {ctx, page} = await as(U.investigator);
    const radio = page.locator(`input[name=auth][value="${f.authorizationId}"]`);
    await radio.waitFor();
    await radio.check();
    assert(await page.locator('#gallery').inputValue() === 'prints', 'the finger gallery is the authorization\'s');
    // The capture switches to a fingerprint upload (no camera, no face check).
    await page.locator('label[for=probe-file]', {hasText: 'Upload a fingerprint'}).waitFor({timeout: 10000});
    assert(await page.getByRole('button', {name: 'Start camera'}).isHidden(), 'no camera for a fingerprint');
    await page.locator('#probe-file').setInputFiles(f.probe);  // a TIFF, sent as it is
    await page.locator('.feedback[data-usable="true"]', {hasText: 'Fingerprint'}).waitFor({timeout: 10000});
    const submit = page.getByRole('button', {name: 'Search for investigative leads'});
    assert(await submit.isEnabled(), 'submit enabled for a fingerprint');
    await submit.click();
    const ok = page.locator('.notice.ok', {hasText: 'recorded'});
    await ok.waitFor({timeout: 30000});
    const id = (await ok.textContent()).match(/Request (\S+) recorded/)[1];
    assert(!(await ok.textContent()).includes(f.subject), 'the requester sees no identity');
    await shot(page, '13-investigator-fingerprint');
    await ctx.close();

    const ex = await as(U.examiner, DESKTOP);
    await ex.page.getByLabel('Open a search by its reference').fill(id);
    await ex.page.getByRole('button', {name: 'Open', exact: true}).click();
    const cand = ex.page.locator(`.candidate[data-subject="${f.subject}"]`);
    await cand.waitFor({timeout: 20000});
    const fig = cand.locator('figure.finger-pair');
    await fig.waitFor();
    const pairs = Number(await fig.getAttribute('data-pairs'));
    assert(pairs >= 4, 'paired minutiae drawn: ' + pairs);
    assert(await fig.locator('svg image').count() === 2, 'probe and candidate prints side by side');
    const marks = await fig.locator('svg circle').count();
    assert(marks > 2 * pairs, 'every minutia marked, paired or not: ' + marks);
    assert(await fig.locator('svg line[stroke="#1f5fbf"]').count() === pairs, 'each pair joined by one line');
    assert((await fig.locator('figcaption').textContent()).includes(`${pairs} minutiae paired`), 'the caption counts the pairs');
    const src = await ex.page.locator('.review .threshold-source').textContent();
    assert(src.includes('finger-mcc') && src.includes('other prints'), 'the finger calibration is named, in a print\'s words: ' + src);
    await shot(ex.page, '14-examiner-fingerprint-review');
    await cand.getByLabel(`Notes on ${f.subject}`).fill('Paired minutiae checked one by one: consistent.');
    await cand.getByRole('button', {name: 'Confirm'}).click();
    await ex.page.locator('.review .notice.ok', {hasText: 'is recorded'}).waitFor();
    await ex.ctx.close();
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

  await step('auditor: the log newest first, filtered and paged; the report in its own view', async () => {
    const {ctx, page} = await as(U.auditor, DESKTOP);
    await page.locator('.verify[data-intact]').waitFor({timeout: 20000});
    assert(await page.locator('.verify').getAttribute('data-intact') === 'true', 'audit intact: ' + await page.locator('.verify').textContent());
    await page.locator('#audit-log tbody tr').first().waitFor();
    const seqs = async () => (await page.locator('#audit-log tbody tr td:first-child').allTextContents()).map(Number);
    const first = await seqs();
    assert(first.length === 50 && first.every((v, i) => i === 0 || v === first[i - 1] - 1), 'a page of 50, newest first: ' + first.slice(0, 5));
    await shot(page, '11-auditor');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({path: join(SCREENS, 'masked', '11-auditor-top.png')});
    // Paging adds no audit entry (a query is audited once, at its first page).
    const reads = () => page.evaluate(async () => (await (await fetch('/v1/audit?action=audit.read&limit=1&order=desc',
      {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('candor.token')}})).json()).total);
    const r0 = await reads();
    await page.getByRole('button', {name: 'Older entries'}).click();
    await page.locator('#audit-range', {hasText: 'Entries 51–'}).waitFor();
    assert((await seqs())[0] === first[49] - 1, 'the older page follows on');
    await page.getByRole('button', {name: 'Newer entries'}).click();
    await page.locator('#audit-range', {hasText: 'Entries 1–50'}).waitFor();
    assert(await reads() === r0 + 1, 'paging wrote no audit entry (only the count query itself)');
    // Filters: the lapsed investigator's refusals; the approve / deny / identify / review entries by action.
    await page.getByLabel('User').fill(U.lapsed);
    await page.getByLabel('Outcome').selectOption('refused');
    await page.getByRole('button', {name: 'Apply filters'}).click();
    await page.waitForFunction((u) => { const trs = [...document.querySelectorAll('#audit-log tbody tr')];
      return trs.length > 0 && trs.every((tr) => tr.dataset.actor === u); }, U.lapsed, {timeout: 10000});
    let rows = await page.locator('#audit-log tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.actor, tr.className, tr.textContent]));
    assert(rows.length >= 1 && rows.every(([a, c]) => a === U.lapsed && c.includes('refused')), 'only the lapsed account\'s refusals: ' + JSON.stringify(rows).slice(0, 300));
    await shot(page, '11b-auditor-filtered');
    await page.getByRole('button', {name: 'Clear'}).click();
    await page.getByLabel('Action').selectOption('authorization');
    await page.getByRole('button', {name: 'Apply filters'}).click();
    await page.waitForFunction(() => [...document.querySelectorAll('#audit-log tbody tr')].every((tr) => tr.dataset.action.startsWith('authorization.')));
    const authText = (await page.locator('#audit-log tbody').textContent());
    assert(/authorization\.approve/.test(authText) && /authorization\.revoke/.test(authText) && authText.includes('denied:'), 'approve and deny (with its note) audited');
    await page.getByLabel('Action').selectOption('search');
    await page.getByRole('button', {name: 'Apply filters'}).click();
    await page.waitForFunction(() => [...document.querySelectorAll('#audit-log tbody tr')].every((tr) => tr.dataset.action.startsWith('search.')));
    const searchText = await page.locator('#audit-log tbody').textContent();
    for (const u of [U.investigator, U.examiner, U.supervisor]) assert(searchText.includes(u), 'search entries name ' + u);
    assert(/search\.identify/.test(searchText) && /search\.review_view/.test(searchText), 'identify and review-view entries');
    await page.getByLabel('Action').selectOption('lead');
    await page.getByRole('button', {name: 'Apply filters'}).click();
    await page.waitForFunction(() => [...document.querySelectorAll('#audit-log tbody tr')].every((tr) => tr.dataset.action.startsWith('lead.')));
    assert(/lead\.review/.test(await page.locator('#audit-log tbody').textContent()), 'the reviews are audited');
    // A date range before today: nothing.
    await page.getByRole('button', {name: 'Clear'}).click();
    const yesterday = new Date(Date.now() - 86400e3).toISOString().slice(0, 10);
    await page.getByLabel('To (inclusive)').fill(yesterday);
    await page.getByRole('button', {name: 'Apply filters'}).click();
    await page.locator('#audit-range', {hasText: 'No entry matches'}).waitFor();
    assert(!/data:image|base64/.test(await page.content()), 'no image data on the auditor screen');
    assert(await page.locator('img').count() === 0, 'no photos shown to auditors');
    // The transparency report, in its own view, with human labels and SVG charts.
    await page.getByRole('button', {name: 'Transparency report'}).click();
    await page.locator('#transparency .tiles').waitFor();
    const tiles = await page.locator('#transparency .tiles').textContent();
    assert(/Sign-ins refused/.test(tiles), 'refused sign-ins counted: ' + tiles);
    const refusedSignins = Number(await page.locator('.tile[data-key=signins_refused] .big').textContent());
    assert(refusedSignins >= 1, 'the wrong password of step 1 is counted, got ' + refusedSignins);
    assert(await page.locator('#transparency svg.bars').count() >= 3, 'bar charts drawn as SVG');
    const text = await page.locator('#transparency').textContent();
    assert(text.includes('Confirmed lead (released)') && !/confirmed_lead|later_authorized|by_legal_basis/.test(text), 'human labels, no raw keys');
    await page.locator('#transparency').screenshot({path: join(SCREENS, 'masked', '12-transparency.png')});
    await fitsPhone(page, 'transparency report');
    await page.getByRole('button', {name: 'Audit log'}).click();
    await page.locator('#audit-log tbody tr').first().waitFor();
    await fitsPhone(page, 'audit log with filters');
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
