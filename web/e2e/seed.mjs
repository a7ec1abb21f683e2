// Seeds a fresh `candor serve` through its API for the end-to-end test:
// accounts for each role (one investigator with lapsed training, one with no
// authorization), a gallery enrolled with one LFW photo per identity, and a
// warrant authorization recorded by the investigator (pending: the test has a
// supervisor approve it in the browser), and an exigent case: an exigent
// authorization declared by supervisor 'sam' with one search run under it, and
// a warrant for the same case recorded by a second supervisor and approved by
// 'sam' (the test has 'sam' back the exigent one with it in the browser).
// Needs the bootstrap admin's password.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

export const PASSWORD = 'correct horse battery staple';
const DAY = 86400e3;
const SUBJECTS = 12;

async function call(base, token, method, path, body) {
  const r = await fetch(base.replace(/\/$/, '') + path, {method,
    headers: {'Content-Type': 'application/json', ...(token ? {Authorization: 'Bearer ' + token} : {})},
    body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path} -> ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
const signIn = async (base, u, p) => (await call(base, '', 'POST', '/v1/sessions', {username: u, password: p})).token;

export async function seed(base, data) {
  const admin = await signIn(base, 'admin', process.env.CANDOR_E2E_ADMIN_PASSWORD);
  const future = new Date(Date.now() + 365 * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
  const past = new Date(Date.now() - 2 * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
  const users = {enroller: 'enzo', investigator: 'ivan', examiner: 'erin', supervisor: 'sam', auditor: 'alice', lapsed: 'lena', noauth: 'nico', supervisor2: 'sue'};
  const roles = {enroller: 'enroller', investigator: 'investigator', examiner: 'examiner', supervisor: 'supervisor', auditor: 'auditor', lapsed: 'investigator', noauth: 'investigator', supervisor2: 'supervisor'};
  for (const [k, u] of Object.entries(users)) {
    await call(base, admin, 'POST', '/v1/accounts', {username: u, role: roles[k], password: PASSWORD, training_expires_at: future});
  }
  await call(base, admin, 'PATCH', `/v1/accounts/${users.lapsed}`, {training_expires_at: past});

  await call(base, admin, 'POST', '/v1/galleries', {name: 'demo', description: 'e2e test gallery (LFW, research use)',
    legal_basis: 'test', retention_class: 'P30D', allowed_search_bases: ['warrant', 'court_order', 'exigent']});
  const lfw = join(data, 'faces/lfw');
  const names = readdirSync(lfw).sort().filter((n) => {
    try { return readdirSync(join(lfw, n)).length >= 2; } catch { return false; }
  }).slice(0, SUBJECTS);
  const enroller = await signIn(base, users.enroller, PASSWORD);
  for (const n of names) {
    const image = readFileSync(join(lfw, n, `${n}_0001.jpg`)).toString('base64');
    // LFW photos may show bystanders: the seed names the face explicitly (an audited
    // choice); the server refuses several faces by default.
    await call(base, enroller, 'POST', '/v1/galleries/demo/subjects', {subject_id: n, record_ref: `REC-${n}`, image, face: 'largest'});
  }
  const ivan = await signIn(base, users.investigator, PASSWORD);
  const auth = await call(base, ivan, 'POST', '/v1/authorizations', {basis: 'warrant', reference: 'W-2026-0142',
    issuing_authority: 'District Court', case_id: 'CASE-7731', purpose: 'armed robbery', galleries: ['demo'],
    expires_at: future, max_searches: 5});
  // A probe of someone not in the gallery: the first LFW identity (sorted) not
  // enrolled above, with one photo only.
  const enrolled = new Set(names);
  const stranger = readdirSync(lfw).sort().find((n) => {
    if (enrolled.has(n)) return false;
    try { return readdirSync(join(lfw, n)).length === 1; } catch { return false; }
  });

  // Exigent case: declared by a supervisor (active at once, 48 h to be backed),
  // searched once, and a warrant for the same case from another supervisor.
  const sam = await signIn(base, users.supervisor, PASSWORD);
  const exigent = await call(base, sam, 'POST', '/v1/authorizations', {basis: 'exigent', reference: 'EX-2026-0007',
    issuing_authority: 'Duty supervisor', case_id: 'CASE-9001', purpose: 'missing child, imminent danger', galleries: ['demo'],
    expires_at: future, max_searches: 2});
  const exigentSearch = await identify(base, sam, exigent.id, join(lfw, names[2], `${names[2]}_0002.jpg`));
  const sue = await signIn(base, users.supervisor2, PASSWORD);
  const backing = await call(base, sue, 'POST', '/v1/authorizations', {basis: 'warrant', reference: 'W-2026-0199',
    issuing_authority: 'District Court', case_id: 'CASE-9001', purpose: 'missing child', galleries: ['demo'],
    expires_at: future, max_searches: 2});
  await call(base, sam, 'POST', `/v1/authorizations/${backing.id}/approve`);

  const probeIdentity = names[0];
  return {users, names, authorizationId: auth.id, probeIdentity, probeJpeg: join(lfw, probeIdentity, `${probeIdentity}_0002.jpg`),
    strangerIdentity: stranger, strangerJpeg: stranger && join(lfw, stranger, `${stranger}_0001.jpg`),
    exigentId: exigent.id, exigentSearchId: exigentSearch.id, backingId: backing.id,
    photoOf: (n, i = 2) => join(lfw, n, `${n}_${String(i).padStart(4, '0')}.jpg`)};
}

/** A search through the API (POST /v1/identify) as `token`'s account. */
export async function identify(base, token, authorizationId, jpegPath) {
  return call(base, token, 'POST', '/v1/identify', {authorization_id: authorizationId, gallery: 'demo',
    image: readFileSync(jpegPath).toString('base64')});
}

/** Signs in as one of the seeded accounts (they share PASSWORD). */
export const signInAs = (base, username) => signIn(base, username, PASSWORD);

/**
 * Fingerprints (issue 13): a finger gallery "prints" of four FVC2002 DB1-B
 * fingers (first impressions, kept for review) enrolled by the enroller, and a
 * warrant for it recorded by the investigator and approved by supervisor
 * 'sam'. Null when the prints are not under `data`. Run late in the test, so
 * the face flow's authorization choice is not changed.
 */
export async function seedFingers(base, data, users) {
  const fvc = join(data, 'fingerprints/fvc2002-db1-b');
  if (!existsSync(join(fvc, '101_1.tif'))) return null;
  const admin = await signIn(base, 'admin', process.env.CANDOR_E2E_ADMIN_PASSWORD);
  await call(base, admin, 'POST', '/v1/galleries', {name: 'prints', description: 'e2e finger gallery (FVC2002 DB1-B, research use)',
    legal_basis: 'test', retention_class: 'P30D', modality: 'finger', allowed_search_bases: ['warrant']});
  const enroller = await signIn(base, users.enroller, PASSWORD);
  for (const f of [101, 102, 103, 104]) {
    await call(base, enroller, 'POST', '/v1/galleries/prints/subjects', {subject_id: `F${f}`, record_ref: `TP-${f}`,
      image: readFileSync(join(fvc, `${f}_1.tif`)).toString('base64')});
  }
  const future = new Date(Date.now() + 365 * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
  const ivan = await signIn(base, users.investigator, PASSWORD);
  const auth = await call(base, ivan, 'POST', '/v1/authorizations', {basis: 'warrant', reference: 'W-2026-0150',
    issuing_authority: 'District Court', case_id: 'CASE-7740', purpose: 'burglary, latent print', galleries: ['prints'],
    expires_at: future, max_searches: 3});
  const sam = await signIn(base, users.supervisor, PASSWORD);
  await call(base, sam, 'POST', `/v1/authorizations/${auth.id}/approve`);
  return {authorizationId: auth.id, probe: join(fvc, '101_3.tif'), subject: 'F101'};
}
