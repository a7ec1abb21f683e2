// A tiny in-memory stand-in for `candor serve`, for UI development only
// (docs/openapi.yaml shapes, no real matching, no real security). The
// committed end-to-end test runs against the real server, never this.
//   node e2e/mock_server.mjs [port]    then open http://127.0.0.1:PORT/
import {createServer} from 'node:http';
import {readFileSync, existsSync} from 'node:fs';
import {join, extname, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const port = Number(process.argv[2] || 8099);
const now = () => new Date().toISOString();
const day = 86400e3;
const users = {
  ivan: {role: 'investigator', training: Date.now() + 300 * day}, erin: {role: 'examiner', training: Date.now() + 300 * day},
  sam: {role: 'supervisor', training: Date.now() + 300 * day}, alice: {role: 'auditor', training: Date.now() + 300 * day},
  lapsed: {role: 'investigator', training: Date.now() - day}, noauth: {role: 'investigator', training: Date.now() + day},
};
const tokens = new Map();
const audit = [];
const auths = [
  {id: 'A1', basis: 'warrant', reference: 'W-1', issuing_authority: 'Court', case_id: 'CASE-1', purpose: 'robbery', galleries: ['demo'],
   expires_at: new Date(Date.now() + 30 * day).toISOString(), max_searches: 5, searches_used: 0, status: 'active', created_by: 'sam', usable: true, owner: 'ivan'},
  {id: 'A2', basis: 'subpoena', reference: 'S-9', case_id: 'CASE-0', galleries: ['licences'], expires_at: new Date(Date.now() - day).toISOString(),
   max_searches: 5, searches_used: 0, status: 'lapsed', created_by: 'sam', usable: false, unusable_reason: 'expired', owner: 'ivan'},
  {id: 'A3', basis: 'exigent', reference: 'E-1', case_id: 'CASE-2', galleries: ['demo'], expires_at: new Date(Date.now() + day).toISOString(),
   max_searches: 1, searches_used: 0, status: 'active', created_by: 'sam', usable: true, exigent_deadline: new Date(Date.now() + 47 * 3600e3).toISOString(), owner: 'x'},
];
const searches = [];
const probes = new Map();
const log = (who, action, extra = {}) => audit.push({seq: audit.length, time: now(), actor: who?.name ?? 'anonymous', role: who?.role, action, ...extra});
const dims = (b) => { for (let i = 2; i < b.length - 9; i++) if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) return [b.readUInt16BE(i + 7), b.readUInt16BE(i + 5)]; return [0, 0]; };

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, {'Content-Type': type});
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
}
const err = (res, status, code, message) => send(res, status, {error: {code, message}});

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  let body = '';
  for await (const c of req) body += c;
  const j = body ? JSON.parse(body) : {};
  if (!p.startsWith('/v1/')) {
    const f = join(dist, p === '/' ? 'index.html' : p);
    if (!existsSync(f)) return err(res, 404, 'NOT_FOUND', 'no such file');
    const types = {'.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css'};
    return send(res, 200, readFileSync(f), types[extname(f)] || 'application/octet-stream');
  }
  if (p === '/v1/sessions' && req.method === 'POST') {
    const u = users[j.username];
    if (!u || j.password !== 'correct horse battery staple') { log(null, 'sign_in', {outcome: 'refused'}); return err(res, 401, 'UNAUTHENTICATED', 'bad credentials'); }
    const t = 'tok-' + Math.random().toString(36).slice(2);
    tokens.set(t, {name: j.username, ...u});
    log(tokens.get(t), 'sign_in');
    return send(res, 201, {token: t, expires_at: new Date(Date.now() + 3600e3).toISOString(), account: acct(j.username)});
  }
  const who = tokens.get((req.headers.authorization || '').replace('Bearer ', ''));
  if (!who) return err(res, 401, 'UNAUTHENTICATED', 'sign in');
  function acct(n) { return {username: n, role: users[n].role, training_expires_at: new Date(users[n].training).toISOString(), disabled: false}; }
  if (p === '/v1/sessions' && req.method === 'DELETE') { tokens.delete(req.headers.authorization.slice(7)); res.writeHead(204); return res.end(); }
  if (p === '/v1/whoami') return send(res, 200, acct(who.name));
  if (p === '/v1/authorizations') {
    const list = who.role === 'investigator' ? auths.filter((a) => a.owner === who.name) : auths;
    return send(res, 200, {authorizations: list.map(({owner, ...a}) => a)});
  }
  let m;
  if ((m = p.match(/^\/v1\/authorizations\/(\w+)\/back$/))) { const a = auths.find((x) => x.id === m[1]); a.backed_by = j.judicial_authorization_id; log(who, 'back'); return send(res, 200, a); }
  if ((m = p.match(/^\/v1\/authorizations\/(\w+)\/approve$/))) { const a = auths.find((x) => x.id === m[1]); a.status = 'active'; log(who, 'approve'); return send(res, 200, a); }
  if (p === '/v1/quality') {
    const b = Buffer.from(j.image, 'base64'); const [w, hh] = dims(b);
    log(who, 'quality');
    return send(res, 200, {width: w, height: hh, usable: true, issues: [], faces: [{box: {x: w * 0.3, y: hh * 0.25, width: w * 0.4, height: hh * 0.5}, quality: {score: 80, issues: []}}]});
  }
  if (p === '/v1/identify') {
    if (who.role !== 'investigator') { log(who, 'identify', {outcome: 'refused'}); return err(res, 403, 'PERMISSION_DENIED', 'investigators only'); }
    if (users[who.name].training < Date.now()) { log(who, 'identify', {outcome: 'refused', reason: 'training expired'}); return err(res, 403, 'PERMISSION_DENIED', 'training expired'); }
    const id = 'S' + (searches.length + 1);
    probes.set(id, Buffer.from(j.image, 'base64'));
    const s = {id, kind: 'identify', label: 'investigative lead, not a positive identification', status: 'pending_review', outcome: 'candidates',
      no_candidate_above_threshold: false, candidate_count: 2, threshold: 0.4, threshold_calibration: 'model', threshold_source: 'model calibration calibration/mobilefacenet.json (no in-gallery calibration)', gallery: j.gallery, gallery_size: 40, authorization_id: j.authorization_id,
      case_id: 'CASE-1', requester: who.name, created_at: now(),
      candidates: [{rank: 1, subject_id: 'Colin_Powell', score: 0.71, fpir: 0.0003, reviews: []}, {rank: 2, subject_id: 'Tony_Blair', score: 0.41, fpir: 0.02, reviews: []}]};
    searches.push(s);
    log(who, 'identify', {authorization_id: j.authorization_id, gallery: j.gallery, candidates_returned: 2, probe_hash: 'ab12'});
    return send(res, 201, s);
  }
  const strip = (s) => who.role === 'investigator' ? (({candidates, ...r}) => r)(s) : s;
  if (p === '/v1/searches') return send(res, 200, {searches: searches.filter((s) => who.role !== 'investigator' || s.requester === who.name).map(strip)});
  if ((m = p.match(/^\/v1\/searches\/(\w+)$/))) return send(res, 200, strip(searches.find((s) => s.id === m[1])));
  if ((m = p.match(/^\/v1\/searches\/(\w+)\/(probe|candidates\/\d+\/image)$/))) return send(res, 200, probes.get(m[1]), 'image/jpeg');
  if ((m = p.match(/^\/v1\/searches\/(\w+)\/reviews$/))) {
    const s = searches.find((x) => x.id === m[1]); const c = s.candidates.find((x) => x.subject_id === j.subject_id);
    if (c.reviews.some((r) => r.reviewer === who.name)) return err(res, 403, 'PERMISSION_DENIED', 'same person twice');
    c.reviews.push({reviewer: who.name, reviewer_role: who.role, subject_id: j.subject_id, decision: j.decision, notes: j.notes, created_at: now()});
    log(who, 'review', {decision: j.decision});
    if (c.reviews.filter((r) => r.decision === 'confirm').length >= 2) {
      s.status = 'lead_released'; s.lead = {search_id: s.id, confirmed_subject_ids: [c.subject_id], label: s.label}; log(who, 'lead_released');
    }
    return send(res, 201, s);
  }
  if ((m = p.match(/^\/v1\/searches\/(\w+)\/lead$/))) { const s = searches.find((x) => x.id === m[1]); return s.lead ? send(res, 200, s.lead) : err(res, 412, 'FAILED_PRECONDITION', 'not released'); }
  if (p === '/v1/audit') { const from = Number(url.searchParams.get('from_seq') || 0); return send(res, 200, {entries: audit.slice(from, from + 50)}); }
  if (p === '/v1/audit/verify') return send(res, 200, {intact: true, entries: audit.length, checkpoints: 1});
  if (p === '/v1/reports/transparency') return send(res, 200, {from: now(), to: now(), searches: searches.length, refused: 1, by_basis: {warrant: searches.length}, by_outcome: {candidates: searches.length}, by_role: {investigator: searches.length}});
  return err(res, 404, 'NOT_FOUND', 'no such route');
}).listen(port, '127.0.0.1', () => console.log(`mock on http://127.0.0.1:${port}/`));
