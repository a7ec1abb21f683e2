// Seeds a fresh `candor serve` through its API for the end-to-end test:
// accounts for each role (one investigator with lapsed training, one with no
// authorization), a gallery enrolled with one LFW photo per identity, and a
// warrant authorization recorded by the investigator (pending: the test has a
// supervisor approve it in the browser). Needs the bootstrap admin's password.
import {readdirSync, readFileSync} from 'node:fs';
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
  const users = {enroller: 'enzo', investigator: 'ivan', examiner: 'erin', supervisor: 'sam', auditor: 'alice', lapsed: 'lena', noauth: 'nico'};
  const roles = {enroller: 'enroller', investigator: 'investigator', examiner: 'examiner', supervisor: 'supervisor', auditor: 'auditor', lapsed: 'investigator', noauth: 'investigator'};
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
    await call(base, enroller, 'POST', '/v1/galleries/demo/subjects', {subject_id: n, record_ref: `REC-${n}`, image});
  }
  const ivan = await signIn(base, users.investigator, PASSWORD);
  const auth = await call(base, ivan, 'POST', '/v1/authorizations', {basis: 'warrant', reference: 'W-2026-0142',
    issuing_authority: 'District Court', case_id: 'CASE-7731', purpose: 'armed robbery', galleries: ['demo'],
    expires_at: future, max_searches: 5});
  const probeIdentity = names[0];
  return {users, authorizationId: auth.id, probeIdentity, probeJpeg: join(lfw, probeIdentity, `${probeIdentity}_0002.jpg`)};
}
