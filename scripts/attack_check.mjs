#!/usr/bin/env node
// Repeats the attacks of issue 15 (docs/ATTACKS.md) against the real CLI and a
// real `candor serve` on 127.0.0.1 (port 0), on a fresh store, and prints one
// line per check: PASS or FAIL, the finding it repeats and what was seen.
// Exit 0 when every attack is refused, 1 when one succeeds, 77 when the build,
// the models or the LFW data are missing (ctest `attack_check` skips then).
//
//   CANDOR_BUILD_DIR=build CANDOR_DATA=../shared/data node scripts/attack_check.mjs
//
// About 60-90 s: the slow-client check waits out the server's default header
// deadline (10 s), the expired-warrant checks wait for two warrants to expire.
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync, copyFileSync, mkdirSync} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import zlib from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = resolve(process.env.CANDOR_BUILD_DIR || join(ROOT, 'build'));
const DATA = resolve(process.env.CANDOR_DATA || join(ROOT, '..', 'shared', 'data'));
const MODELS = resolve(process.env.CANDOR_MODELS || join(ROOT, 'models'));
const CANDOR = join(BUILD, 'src', 'cli', 'candor');
const LFW = join(DATA, 'faces', 'lfw');
const COUPLE = join(DATA, 'faces', 'wild', 'couple.jpg');
const skip = (why) => { console.log(`attack_check: SKIP: ${why}`); process.exit(77); };
if (!existsSync(CANDOR)) skip(`no candor binary at ${CANDOR}`);
if (!existsSync(LFW) || !existsSync(COUPLE)) skip(`no LFW data or faces/wild/couple.jpg under ${DATA}`);
if (!readdirSync(MODELS).some((f) => f.endsWith('.onnx'))) skip(`no converted models in ${MODELS}`);
const photo = (name, i) => join(LFW, name, `${name}_${String(i).padStart(4, '0')}.jpg`);
const b64 = (path) => readFileSync(path).toString('base64');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iso = (msFromNow) => new Date(Date.now() + msFromNow).toISOString().replace(/\.\d+Z$/, 'Z');

// ---- results ----
const results = [];
function check(finding, what, ok, seen) {
  results.push({finding, what, ok: !!ok});
  console.log(`${ok ? 'PASS' : 'FAIL'}  [${finding}] ${what}${seen === undefined ? '' : ` (${seen})`}`);
}

// ---- the CLI ----
const TMP = mkdtempSync(join(tmpdir(), 'candor-attack-'));
const STORE = join(TMP, 'store'), KEY = join(TMP, 'store.key');
const PW = {admin: 'admin-pw-attack-check-1'};
const pw = (u) => PW[u] || `${u}-pw-attack-check-1`;
const baseEnv = {...process.env, CANDOR_STORE: STORE, CANDOR_MODELS: MODELS};
delete baseEnv.CANDOR_PASSWORD; delete baseEnv.CANDOR_TOKEN; delete baseEnv.CANDOR_KEY_FILE; delete baseEnv.CANDOR_KEY;
// Runs the CLI; `as` names the account whose password is given (none: no credential).
function cli(args, {as, key = true, extraEnv = {}} = {}) {
  const env = {...baseEnv, ...extraEnv};
  if (key) env.CANDOR_KEY_FILE = KEY;
  if (as) env.CANDOR_PASSWORD = pw(as);
  const r = spawnSync(CANDOR, args, {env, cwd: TMP, encoding: 'utf8', timeout: 300e3, stdio: ['ignore', 'pipe', 'pipe']});
  return {code: r.status, out: r.stdout || '', err: (r.stderr || '') + (r.error ? String(r.error) : '') + (r.signal ? ` signal ${r.signal}` : '')};
}
class SetUpError extends Error {}
function must(r, what) {
  if (r.code !== 0) throw new SetUpError(`set-up step failed: ${what}: exit ${r.code}\n${r.err}${r.out}`);
  return r;
}
const fail = (what) => { throw new SetUpError(what); };
const json = (s) => { try { return JSON.parse(s); } catch { return undefined; } };

// ---- HTTP (node:http so that a request can come from another loopback address) ----
let PORT = 0;
function request(method, path, {token, body, raw, from = '127.0.0.1', timeout = 60e3} = {}) {
  return new Promise((done) => {
    const data = raw !== undefined ? raw : body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (data) { headers['Content-Type'] = 'application/json'; headers['Content-Length'] = data.length; }
    const t0 = Date.now();
    const req = http.request({host: '127.0.0.1', port: PORT, method, path, headers, localAddress: from, agent: false}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        done({status: res.statusCode, headers: res.headers, text, body: json(text), ms: Date.now() - t0});
      });
    });
    req.setTimeout(timeout, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done({status: -1, text: String(e), ms: Date.now() - t0}));
    if (data) req.write(data);
    req.end();
  });
}
// Bytes straight onto a socket; resolves with everything the server sent until it closed.
function rawExchange(bytes, {from = '127.0.0.1', timeout = 5000} = {}) {
  return new Promise((done) => {
    const s = net.connect({host: '127.0.0.1', port: PORT, localAddress: from});
    let got = '';
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => { got += d.toString('latin1'); });
    const end = () => done(got);
    s.on('close', end); s.on('error', end);
    s.setTimeout(timeout, () => s.destroy());
  });
}
const bodyOf = (answer) => json(answer.slice(answer.indexOf('\r\n\r\n') + 4));

// ---- images ----
// A PNG that declares width x height grey pixels, all zero: tiny compressed.
function zeroPng(width, height) {
  const crcTable = Array.from({length: 256}, (_, n) => {
    let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 0;
  const deflate = zlib.createDeflate({level: 9});
  const parts = [];
  deflate.on('data', (c) => parts.push(c));
  const row = Buffer.alloc(width + 1);
  for (let y = 0; y < height; y++) deflate.write(row);
  return new Promise((ok) => deflate.end(() => ok(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))]))));
}

// ---- the people and photos ----
const SHRED = 'Zq7-Shredded-Subject';  // an id that must vanish with its subject
const MATE = 'Aaron_Peirsol';            // enrolled as SHRED (photo 1), probed with photo 2
// One face in each of these photos (used by the server's own tests).
const [P1, P2, P3, P4] = ['Adrien_Brody', 'Abdullah_Gul', 'Ari_Fleischer', 'Colin_Powell'];
if (![P1, P2, P3, P4, MATE].every((n) => existsSync(photo(n, 2)))) skip('LFW photos of the test identities missing');

let server;
async function main() {
  // ========== Part 1: the CLI (finding 1, 2, several faces) ==========
  must(cli(['gallery', 'keygen', '--out', KEY], {key: false}), 'keygen');
  must(cli(['account', 'bootstrap', '--username', 'admin', '--training-expires', iso(365 * 864e5).slice(0, 10)], {as: 'admin'}), 'bootstrap');
  const people = {enzo: 'enroller', ivan: 'investigator', ivan2: 'investigator', erin: 'examiner', lena: 'examiner',
    sam: 'supervisor', sue: 'supervisor', alice: 'auditor'};
  const createAccount = (u, role, opts) => cli(['account', 'create', '--as', 'admin', '--username', u, '--role', role,
    '--training-expires', iso(365 * 864e5).slice(0, 10)], {extraEnv: {CANDOR_NEW_PASSWORD: pw(u)}, ...opts});
  // 1: the admin's name alone creates nobody; nor does the password without the store key.
  let r = createAccount('mallory', 'supervisor', {});
  check(1, 'CLI account create --as admin without a credential is refused', r.code === 4, `exit ${r.code}`);
  r = createAccount('mallory', 'supervisor', {as: 'admin', key: false});
  check(1, 'CLI account create with the password but without the store key is refused', r.code === 4, `exit ${r.code}`);
  for (const [u, role] of Object.entries(people)) must(createAccount(u, role, {as: 'admin'}), `account create ${u}`);
  must(cli(['gallery', 'create', '--as', 'admin', '--name', 'atkgallery', '--description', 'attack check',
    '--legal-basis', 'test', '--retention', 'P30D', '--search-basis', 'warrant', '--search-basis', 'court_order',
    '--search-basis', 'exigent'], {as: 'admin'}), 'gallery create');
  must(cli(['authorization', 'gallery-policy', '--as', 'admin', '--gallery', 'atkgallery', '--basis', 'warrant',
    '--basis', 'court_order', '--basis', 'exigent'], {as: 'admin'}), 'gallery-policy');
  r = cli(['--json', 'authorization', 'create', '--as', 'ivan', '--basis', 'warrant', '--reference', 'W-CLI-1',
    '--authority', 'court', '--case', 'C-CLI', '--purpose', 'attack check', '--gallery', 'atkgallery',
    '--expires', iso(30 * 864e5).slice(0, 10), '--max-searches', '5'], {as: 'ivan'});
  must(r, 'authorization create');
  const cliWarrant = json(r.out).id;
  // 1: one person cannot approve as the supervisor with their own password, nor by name alone.
  r = cli(['authorization', 'approve', '--as', 'sam', '--id', cliWarrant], {as: 'ivan'});
  const r2 = cli(['authorization', 'approve', '--as', 'sam', '--id', cliWarrant], {});
  check(1, "CLI authorization approve --as supervisor with another's password / no credential is refused",
    r.code === 4 && r2.code === 4, `exit ${r.code}, ${r2.code}`);
  must(cli(['authorization', 'approve', '--as', 'sam', '--id', cliWarrant], {as: 'sam'}), 'approve');
  // Enrol: one photo each; the couple photo is refused unless a face is chosen (12, several faces).
  const dir = join(TMP, 'photos'); mkdirSync(dir);
  copyFileSync(photo(P1, 1), join(dir, `${P1}.jpg`));
  copyFileSync(photo(P2, 1), join(dir, `${P2}.jpg`));
  copyFileSync(COUPLE, join(dir, 'Couple-1.jpg'));
  r = cli(['--json', 'enroll', '--as', 'enzo', '--gallery', 'atkgallery', '--dir', dir, '--id-from', 'filename',
    '--failures', join(TMP, 'fail1.csv')], {as: 'enzo'});
  const fails = existsSync(join(TMP, 'fail1.csv')) ? readFileSync(join(TMP, 'fail1.csv'), 'utf8') : '';
  check('12', 'CLI enroll refuses a photo with several faces by default', /several faces/.test(fails), fails.split('\n').filter((l) => /Couple/.test(l)).join(' ') || `exit ${r.code}`);
  // 2: a duplicate check without its own authorization is refused; an ordinary warrant does not serve it.
  const dir2 = join(TMP, 'photos2'); mkdirSync(dir2);
  copyFileSync(photo(P1, 2), join(dir2, 'Dup-Check-1.jpg'));
  const dupArgs = ['--json', 'enroll', '--as', 'enzo', '--gallery', 'atkgallery', '--dir', dir2, '--id-from', 'filename',
    '--face', 'largest', '--check-duplicates'];
  r = cli(dupArgs, {as: 'enzo'});
  const r3 = cli([...dupArgs, '--authorization', cliWarrant], {as: 'enzo'});
  check(2, 'CLI enroll --check-duplicates without / under an ordinary warrant is refused and names nobody',
    r.code !== 0 && r3.code !== 0 && !(r.out + r.err + r3.out + r3.err).includes(P1), `exit ${r.code}, ${r3.code}`);
  r = cli(['--json', 'enroll', '--as', 'enzo', '--gallery', 'atkgallery', '--dir', dir, '--id-from', 'filename',
    '--face', 'largest'], {as: 'enzo'});
  const log = cli(['--json', 'audit', 'verify'], {});
  check('12', 'CLI enroll --face largest enrols the couple photo by an explicit choice', r.code === 0 && /largest/.test(readFileSync(join(STORE, 'audit.log'), 'latin1')), `exit ${r.code}`);
  check('-', 'the CLI steps leave an audit log that verifies', log.code === 0, `exit ${log.code}`);

  // ========== Part 2: candor serve on 127.0.0.1:0 ==========
  server = spawn(CANDOR, ['serve', '--http', '127.0.0.1:0', '--store', STORE, '--key-file', KEY],
    {env: baseEnv, stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '', stderr = '';
  server.stdout.on('data', (d) => { stdout += d; });
  server.stderr.on('data', (d) => { stderr += d; });
  for (let i = 0; i < 600 && !/serving http:\/\/127\.0\.0\.1:(\d+)/.test(stdout); i++) {
    if (server.exitCode !== null) fail(`candor serve exited:\n${stderr}`);
    await sleep(100);
  }
  PORT = Number((stdout.match(/serving http:\/\/127\.0\.0\.1:(\d+)/) || [])[1]);
  if (!PORT) fail(`candor serve did not start:\n${stderr}`);
  const signIn = async (u) => (await request('POST', '/v1/sessions', {body: {username: u, password: pw(u)}})).body?.token;
  const T = {};
  for (const u of ['admin', ...Object.keys(people)]) T[u] = await signIn(u);
  const post = (path, who, body) => request('POST', path, {token: T[who], body});
  const get = (path, who) => request('GET', path, {token: T[who]});
  let a = await post('/v1/galleries', 'admin', {name: 'consentgallery', description: 'attack check', legal_basis: 'consent',
    retention_class: 'P30D', allowed_search_bases: ['warrant', 'consent']});
  if (a.status !== 201) fail(`gallery create: ${a.status} ${a.text}`);
  for (const [g, id, p] of [['atkgallery', SHRED, photo(MATE, 1)], ['atkgallery', P3, photo(P3, 1)],
    ['consentgallery', P1, photo(P1, 1)], ['consentgallery', P2, photo(P2, 1)]]) {
    a = await post(`/v1/galleries/${g}/subjects`, 'enzo', {subject_id: id, record_ref: 'REC', image: b64(p)});
    if (a.status !== 201) fail(`enroll ${id}: ${a.status} ${a.text}`);
  }

  // 8: subject ids with '/' are refused at enrolment.
  a = await post('/v1/galleries/atkgallery/subjects', 'enzo', {subject_id: 'a/b', image: b64(photo(P4, 1))});
  check(8, "a subject id containing '/' is refused at enrolment", a.status === 400, a.status);

  // 9 and 12 (cost): decompression bombs and a 7000x7000 PNG are 413 at once, on every image route.
  const bomb = (await zeroPng(12000, 12000)).toString('base64');
  const big = (await zeroPng(7000, 7000)).toString('base64');
  for (const [route, who, body] of [['/v1/quality', 'ivan', {image: bomb}],
    ['/v1/identify', 'ivan', {authorization_id: cliWarrant, gallery: 'atkgallery', image: bomb}],
    ['/v1/galleries/atkgallery/subjects', 'enzo', {subject_id: 'Bomb-1', image: bomb}]]) {
    a = await post(route, who, body);
    check(9, `decompression bomb (12000x12000 PNG, ${bomb.length} B base64) on ${route} is 413`, a.status === 413, `${a.status} in ${a.ms} ms`);
  }
  a = await post('/v1/quality', 'ivan', {image: big});
  check('12', '7000x7000 PNG on /v1/quality is refused without decoding (413, < 1 s)', a.status === 413 && a.ms < 1000, `${a.status} in ${a.ms} ms`);

  // 4: an authorization serves only the people it names.
  a = await post('/v1/authorizations', 'ivan', {basis: 'warrant', reference: 'W-ATK-4', issuing_authority: 'court', case_id: 'C-4',
    purpose: 'attack check', galleries: ['atkgallery'], expires_at: iso(30 * 864e5), max_searches: 10});
  const warrant = a.body?.id;
  await post(`/v1/authorizations/${warrant}/approve`, 'sam');
  const probe = b64(photo(MATE, 2));
  const other = await post('/v1/identify', 'ivan2', {authorization_id: warrant, gallery: 'atkgallery', image: probe});
  const boss = await post('/v1/identify', 'sam', {authorization_id: warrant, gallery: 'atkgallery', image: probe});
  check(4, 'another investigator and a supervisor cannot search under an authorization that does not name them',
    other.status === 403 && boss.status === 403, `${other.status}, ${boss.status}`);
  const search = await post('/v1/identify', 'ivan', {authorization_id: warrant, gallery: 'atkgallery', image: probe});
  const searchId = search.body?.id;
  check('-', 'the named requester can search (control)', search.status === 201 && !!searchId, search.status);

  // 10: an examiner whose training lapsed sees neither candidates nor the probe.
  await request('PATCH', '/v1/accounts/lena', {token: T.admin, body: {training_expires_at: iso(-864e5)}});
  const views = await Promise.all([`/v1/searches/${searchId}`, `/v1/searches/${searchId}/probe`,
    `/v1/searches/${searchId}/candidates/1/image`].map((p) => get(p, 'lena')));
  check(10, 'a lapsed examiner cannot view candidates, the probe or a candidate photo', views.every((v) => v.status === 403),
    views.map((v) => v.status).join(', '));
  const seen = await get(`/v1/searches/${searchId}`, 'erin');
  const cand = (seen.body?.candidates || []).find((c) => c.subject_id === SHRED);
  check('-', `a current examiner sees the mate among the candidates (control)`, seen.status === 200 && !!cand, seen.status);

  // 12: blank notes are refused; 11: a review naming the subject, then deletion, leaves the id in no file.
  a = await post(`/v1/searches/${searchId}/reviews`, 'erin', {subject_id: SHRED, decision: 'confirm', notes: '   '});
  check('12', 'a review with blank notes is refused', a.status === 400, a.status);
  await post(`/v1/searches/${searchId}/reviews`, 'erin', {subject_id: SHRED, decision: 'confirm', notes: `same ears as ${SHRED}`});
  await post(`/v1/searches/${searchId}/reviews`, 'sue', {subject_id: SHRED, decision: 'confirm', notes: `agree: ${SHRED}`});
  await post('/v1/galleries/atkgallery/subjects', 'enzo', {subject_id: SHRED, image: b64(photo(MATE, 1))});  // refused: exists
  a = await request('DELETE', `/v1/galleries/atkgallery/subjects/${SHRED}`, {token: T.admin});
  const holders = [];
  const scan = (d) => { for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) scan(p); else if (readFileSync(p).includes(SHRED)) holders.push(f); } };
  scan(STORE);
  check(11, 'after crypto-shredding, the subject id is in no file of the store (audit.log, govern.db, searches.db included)',
    a.status === 200 || a.status === 204 ? holders.length === 0 : false, `delete ${a.status}; files naming it: ${holders.join(', ') || 'none'}`);

  // 3: 1:1 follows the gallery policy, and is no oracle.
  const verify = (who, gallery, subject, p, extra) => post('/v1/verify', who, {gallery, subject_id: subject, image: b64(p), ...extra});
  const enrolledNo = await verify('ivan', 'consentgallery', P1, photo(P2, 2), {consent: true});
  const unknown = await verify('ivan', 'consentgallery', 'Nobody-Enrolled', photo(P2, 2), {consent: true});
  const shape = (b) => JSON.stringify({...(b || {}), id: 0, created_at: 0});
  check(3, 'verify of an unknown subject answers exactly like a non-match (no 404, no score)',
    unknown.status === enrolledNo.status && shape(unknown.body) === shape(enrolledNo.body) && !('score' in (unknown.body || {})),
    `${enrolledNo.status} vs ${unknown.status}`);
  const noConsent = await verify('ivan', 'atkgallery', P3, photo(P3, 2), {consent: true});
  check(3, 'verify without authorization on a gallery without consent is refused', noConsent.status === 403, noConsent.status);
  a = await post('/v1/authorizations', 'ivan', {basis: 'warrant', reference: 'W-ATK-3', issuing_authority: 'court', case_id: 'C-3',
    purpose: 'attack check', galleries: ['atkgallery'], expires_at: iso(30 * 864e5), max_searches: 10});
  await post(`/v1/authorizations/${a.body?.id}/approve`, 'sam');
  const led = await verify('ivan', 'atkgallery', P3, photo(P3, 2), {authorization_id: a.body?.id});
  check(3, 'verify under a warrant answers the requester no score and no decision (a lead for review)',
    led.status === 201 && !('score' in (led.body || {})) && !('match' in (led.body || {})), `${led.status} ${JSON.stringify(Object.keys(led.body || {}))}`);

  // 5 (set-up): warrants that expire in 3 s.
  const soon = iso(3000);
  const w5 = (await post('/v1/authorizations', 'ivan', {basis: 'warrant', reference: 'W-ATK-5', issuing_authority: 'court',
    case_id: 'C-5', purpose: 'attack check', galleries: ['atkgallery'], expires_at: soon, max_searches: 1})).body?.id;
  const exigent = (await post('/v1/authorizations', 'sam', {basis: 'exigent', reference: 'EX-5', issuing_authority: 'duty',
    case_id: 'C-6', purpose: 'attack check', galleries: ['atkgallery'], expires_at: iso(864e5), max_searches: 1})).body?.id;
  const w6 = (await post('/v1/authorizations', 'sue', {basis: 'warrant', reference: 'W-ATK-6', issuing_authority: 'court',
    case_id: 'C-6', purpose: 'attack check', galleries: ['atkgallery'], expires_at: soon, max_searches: 1})).body?.id;
  const approved6 = await post(`/v1/authorizations/${w6}/approve`, 'sam');

  // 6: slow clients (the attack: 8 connections, one header line every 3 s) do not hold the server.
  const t0 = Date.now();
  const slow = Array.from({length: 8}, () => new Promise((done) => {
    const s = net.connect({host: '127.0.0.1', port: PORT});
    let got = ''; let timer;
    s.on('connect', () => { s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); timer = setInterval(() => s.write('X-Slow: 1\r\n'), 3000); });
    s.on('data', (d) => { got += d; });
    const end = () => { clearInterval(timer); done({got, ms: Date.now() - t0}); };
    s.on('close', end); s.on('error', end);
    s.setTimeout(20e3, () => s.destroy());
  }));
  const health = [];
  while (Date.now() - t0 < 12e3) {
    const h = await request('GET', '/healthz', {timeout: 5000});
    health.push(h);
    await sleep(500);
  }
  const cut = await Promise.all(slow);
  check(6, `/healthz answers within 1 s while 8 slow clients trickle headers (${health.length} probes over 12 s)`,
    health.every((h) => h.status === 200 && h.ms < 1000), `slowest ${Math.max(...health.map((h) => h.ms))} ms`);
  check(6, 'the slow clients are cut off at the header deadline with a JSON 408', cut.every((c) => /^HTTP\/1\.1 408/.test(c.got) && bodyOf(c.got)?.error && c.ms < 15e3),
    cut.map((c) => `${c.got.slice(9, 12) || 'none'}@${(c.ms / 1000).toFixed(1)}s`).join(' '));
  const idle = await Promise.all(Array.from({length: 20}, () => rawExchange('', {from: '127.0.0.2', timeout: 1500})));
  check(6, 'more than 16 connections from one address: the rest are refused at once (429 JSON)',
    idle.filter((g) => /^HTTP\/1\.1 429/.test(g) && bodyOf(g)?.error).length >= 4, `${idle.filter((g) => /^HTTP\/1\.1 429/.test(g)).length} of 20 refused`);

  // 5: an expired warrant can neither be approved nor back an exigent one.
  await sleep(Math.max(0, Date.parse(soon) + 1500 - Date.now()));
  const approve5 = await post(`/v1/authorizations/${w5}/approve`, 'sam');
  const back = await post(`/v1/authorizations/${exigent}/back`, 'sam', {judicial_authorization_id: w6});
  check(5, 'an expired warrant cannot be approved', approve5.status >= 400 && approve5.status < 500, approve5.status);
  check(5, 'an expired (approved) warrant cannot back an exigent authorization',
    approved6.status === 200 && back.status >= 400 && back.status < 500, `approve ${approved6.status}, back ${back.status}`);

  // 12: authorizations name only galleries that exist.
  a = await post('/v1/authorizations', 'ivan', {basis: 'warrant', reference: 'W-ATK-12', issuing_authority: 'court', case_id: 'C-12',
    purpose: 'attack check', galleries: ['no-such-gallery'], expires_at: iso(864e5), max_searches: 1});
  check('12', 'an authorization naming a gallery that does not exist is refused', a.status >= 400 && a.status < 500, a.status);

  // 12: /metrics without credentials names no gallery.
  const anon = await request('GET', '/metrics');
  const audited = await get('/metrics', 'alice');
  check('12', '/metrics without credentials shows no gallery names or sizes (an auditor sees them)',
    anon.status === 200 && !/atkgallery|consentgallery/.test(anon.text) && /atkgallery/.test(audited.text), `${anon.status}, ${audited.status}`);

  // 12: transport errors are JSON.
  const garbage = await rawExchange('NOT AN HTTP REQUEST\r\n\r\n');
  const longTarget = await rawExchange(`GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  check('12', 'transport errors (malformed request line, target too long) answer JSON bodies',
    !!bodyOf(garbage)?.error?.code && !!bodyOf(longTarget)?.error?.code, `${garbage.slice(9, 12)}, ${longTarget.slice(9, 12)}`);

  // 12: re-enabling an account revives none of its old tokens; a password is changed only with the current one.
  const tok = (await post('/v1/accounts/ivan2/api-tokens', 'admin', {})).body?.token;
  const before = await request('GET', '/v1/whoami', {token: tok});
  await request('PATCH', '/v1/accounts/ivan2', {token: T.admin, body: {disabled: true}});
  await request('PATCH', '/v1/accounts/ivan2', {token: T.admin, body: {disabled: false}});
  const revived = await request('GET', '/v1/whoami', {token: tok});
  const session = await request('GET', '/v1/whoami', {token: T.ivan2});
  check('12', 're-enabling an account revives neither its API token nor its session', before.status === 200 && revived.status === 401 && session.status === 401,
    `${before.status} -> ${revived.status}, session ${session.status}`);
  T.ivan2 = await signIn('ivan2');
  const wrongCurrent = await post('/v1/accounts/ivan2/password', 'ivan2', {current_password: 'not-it-at-all', new_password: 'a-new-password-123'});
  const byAdmin = await post('/v1/accounts/ivan2/password', 'admin', {current_password: pw('admin'), new_password: 'a-new-password-123'});
  const changed = await post('/v1/accounts/ivan2/password', 'ivan2', {current_password: pw('ivan2'), new_password: 'a-new-password-123'});
  const old = await request('GET', '/v1/whoami', {token: T.ivan2});
  check('12', "a password changes only with the current one, by its own account, and ends the old sessions",
    wrongCurrent.status >= 400 && byAdmin.status === 403 && changed.status < 300 && old.status === 401,
    `wrong ${wrongCurrent.status}, admin ${byAdmin.status}, own ${changed.status}, old session ${old.status}`);

  // 12: several faces over the API: refused by default, enrolled by an explicit choice.
  const twoFaces = await post('/v1/galleries/atkgallery/subjects', 'enzo', {subject_id: 'Couple-2', image: b64(COUPLE)});
  const chosen = await post('/v1/galleries/atkgallery/subjects', 'enzo', {subject_id: 'Couple-2', image: b64(COUPLE), face: 'largest'});
  check('12', 'API enrolment of a photo with several faces: refused by default, enrolled with face=largest',
    twoFaces.status >= 400 && twoFaces.status < 500 && chosen.status === 201, `${twoFaces.status}, ${chosen.status}`);

  // 7: failed authentication is throttled and audited compactly (last: it blocks the address).
  const auditBefore = statSync(join(STORE, 'audit.log')).size;
  const flood = [];
  for (let i = 0; i < 300; i++) flood.push((await request('GET', '/v1/whoami', {token: `bad-token-${i}`, from: '127.0.0.3'})).status);
  // All at once, as an attacker with many connections would send them.
  const names = (await Promise.all(Array.from({length: 40}, (_, i) =>
    request('POST', '/v1/sessions', {body: {username: 'sam', password: `guess-${i}`}, from: `127.0.0.${10 + i}`})))).map((x) => x.status);
  const stillServed = await get('/v1/whoami', 'alice');
  const grown = statSync(join(STORE, 'audit.log')).size - auditBefore;
  const n401 = flood.filter((s) => s === 401).length, n429 = flood.filter((s) => s === 429).length;
  check(7, '300 bad tokens from one address: the first are checked (401), the rest refused unchecked (429)',
    n401 <= 25 && n429 >= 270, `${n401} x 401, ${n429} x 429`);
  check(7, '40 wrong passwords for one account, sent at once from 40 addresses: at most the budget (20) are checked',
    names.filter((s) => s === 401).length <= 20 && names.filter((s) => s === 429).length >= 20, `${names.filter((s) => s === 401).length} x 401, ${names.filter((s) => s === 429).length} x 429`);
  check(7, `the floods grow the fsynced audit log by ${grown} B (the attack: ~100 KB), others are still served`,
    grown < 40e3 && stillServed.status === 200, `whoami ${stillServed.status}`);

  // 12: the service logs to stderr, never stdout.
  server.kill('SIGTERM');
  await new Promise((ok) => server.on('exit', ok));
  server = undefined;
  const outLines = stdout.trim().split('\n');
  check('12', 'candor serve writes its logs to stderr; stdout has only the serving line',
    outLines.length === 1 && /serving/.test(outLines[0]) && /"event"/.test(stderr), `${outLines.length} stdout line(s)`);
  const verified = cli(['audit', 'verify'], {});
  check('-', 'after all attacks the audit log verifies', verified.code === 0, `exit ${verified.code}`);
}

main().catch((e) => { console.log(`attack_check: ${e.stack || e}`); results.push({ok: false}); }).finally(() => {
  if (server) server.kill('SIGTERM');
  rmSync(TMP, {recursive: true, force: true});
  const failed = results.filter((x) => !x.ok).length;
  console.log(`attack_check: ${results.length - failed} of ${results.length} checks passed${failed ? `, ${failed} FAILED` : ''}`);
  process.exit(failed ? 1 : 0);
});
