// The Candor HTTP API (docs/openapi.yaml) as typed functions.
// Every call carries the session's bearer token; errors come back as ApiError
// with the server's {"error": {code, message}} and the HTTP status.

export type Role = 'admin' | 'enroller' | 'investigator' | 'examiner' | 'supervisor' | 'auditor';

export interface Account {
  username: string; role: Role; training_expires_at: string; disabled: boolean; created_at?: string;
}
export interface Session { token: string; expires_at: string; account: Account; }
export interface Authorization {
  id: string; basis: string; reference?: string; issuing_authority?: string; case_id: string;
  purpose?: string; galleries: string[]; expires_at: string; max_searches: number;
  searches_used: number; status: 'pending' | 'active' | 'revoked' | 'lapsed'; created_by: string;
  created_at?: string; approved_by?: string; approved_at?: string; backed_by?: string;
  exigent_deadline?: string; usable: boolean; unusable_reason?: string;
}
export interface AuthorizationRequest {
  basis: string; reference: string; issuing_authority: string; case_id: string; purpose: string;
  galleries: string[]; expires_at: string; max_searches: number;
}
export interface Box { x: number; y: number; width: number; height: number; }
export interface Quality { score: number; issues: string[]; yaw_deg?: number; pitch_deg?: number; roll_deg?: number; sharpness?: number; inter_eye_px?: number; }
export interface QualityFace { box: Box; quality: Quality; detector_score?: number; cut_by_border?: boolean; }
export interface QualityReport { width?: number; height?: number; faces: QualityFace[]; usable: boolean; issues: string[]; }
export interface Review {
  reviewer: string; reviewer_role?: string; subject_id: string; decision: 'confirm' | 'reject';
  notes?: string; created_at: string;
}
export interface Candidate {
  rank: number; subject_id: string; record_ref?: string; score: number; fpir?: number;
  fpir_basis?: 'measured' | 'extrapolated' | 'upper_bound'; reviews?: Review[];
}
export interface Lead { search_id: string; confirmed_subject_ids: string[]; reviews?: Review[]; label: string; }
export interface Search {
  id: string; kind: 'identify' | 'verify'; label: string;
  status: 'no_candidate' | 'pending_review' | 'lead_released' | 'purged' | 'refused';
  outcome: string; no_candidate_above_threshold: boolean; candidate_count: number;
  threshold?: number; threshold_fpir?: number;
  threshold_calibration?: 'gallery' | 'model' | 'fixed'; threshold_source?: string; threshold_stale?: boolean;
  gallery: string; gallery_size?: number; index?: SearchIndex; authorization_id?: string;
  case_id?: string; requester?: string; created_at: string; retain_until?: string;
  exigent_deadline?: string; candidates?: Candidate[]; lead?: Lead; review_state?: ReviewState;
}
/** Which search index answered (docs/openapi.yaml, Search.index). */
export interface SearchIndex {
  name: string; exact: boolean;
  recall?: {target: number; measured: number; lower95: number; probes: number; nprobe: number; nlist: number; rerank: number; measured_at: number};
}
export interface ReviewState {
  confirmations: number; required: number; confirmed_by: string[]; examiner_confirmed: boolean;
  rejected_by: string[]; reviewed_by: string[];
}
export interface Gallery { name: string; description: string; subjects: number; templates: number; allowed_search_bases: string[]; modality?: 'face' | 'finger'; }
export interface Minutia { x: number; y: number; direction: number; type: 'ending' | 'bifurcation' | 'other'; quality: number; }
export interface PrintMinutiae { width: number; height: number; resolution_dpi: number; minutiae: Minutia[]; image_png?: string; template_id?: number; finger_position?: number; image_kept?: boolean; }
/** GET /v1/searches/{id}/candidates/{rank}/minutiae: a fingerprint candidate's paired minutiae. */
export interface MinutiaePairing { search_id: string; rank: number; score: number; probe: PrintMinutiae; candidate: PrintMinutiae; pairs: {probe: number; candidate: number; similarity: number}[]; note: string; }
export interface AuditEntry {
  seq: number; time: string; actor: string; role?: string; action: string; authorization_id?: string;
  gallery?: string; probe_hash?: string; candidates_returned?: number; decision?: string;
  outcome?: string; reason?: string;
}
export interface AuditPage { entries: AuditEntry[]; next_seq?: number; total?: number; }
export interface AuditFilter { actor?: string; action?: string; outcome?: string; since?: string; until?: string; }
export interface AuditQuery extends AuditFilter { order?: 'asc' | 'desc'; limit?: number; from_seq?: number; to_seq?: number; }
export interface AuditVerification { intact: boolean; entries: number; checkpoints?: number; break_at_seq?: number; problem?: string; }

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) { super(message); }
}

let token = '';
export function setToken(t: string): void { token = t; }
export function hasToken(): boolean { return token !== ''; }

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers['Authorization'] = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    throw new ApiError(0, 'UNAVAILABLE', 'The server cannot be reached. Check the connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: any = undefined;
  try { json = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  if (!res.ok) {
    const err = json && json.error ? json.error : {code: 'HTTP_' + res.status, message: text || res.statusText};
    throw new ApiError(res.status, err.code, err.message);
  }
  return json as T;
}

/** Fetches an image route with the token and returns an object URL (caller revokes it). */
export async function imageUrl(path: string): Promise<string> {
  const res = await fetch(path, {headers: {Authorization: 'Bearer ' + token}});
  if (!res.ok) throw new ApiError(res.status, 'HTTP_' + res.status, 'image not available');
  return URL.createObjectURL(await res.blob());
}

const q = (v: string) => encodeURIComponent(v);

export const api = {
  signIn: (username: string, password: string) => call<Session>('POST', '/v1/sessions', {username, password}),
  signOut: () => call<void>('DELETE', '/v1/sessions'),
  whoami: () => call<Account>('GET', '/v1/whoami'),
  galleries: () => call<{galleries: Gallery[]}>('GET', '/v1/galleries'),
  authorizations: () => call<{authorizations: Authorization[]}>('GET', '/v1/authorizations'),
  approve: (id: string) => call<Authorization>('POST', `/v1/authorizations/${q(id)}/approve`),
  /** A supervisor's refusal of a pending request (or withdrawal of an active one), with the reason. */
  revoke: (id: string, reason: string) => call<Authorization>('POST', `/v1/authorizations/${q(id)}/revoke`, {reason}),
  requestAuthorization: (spec: AuthorizationRequest) => call<Authorization>('POST', '/v1/authorizations', spec),
  back: (id: string, judicial: string) =>
    call<Authorization>('POST', `/v1/authorizations/${q(id)}/back`, {judicial_authorization_id: judicial}),
  quality: (image: string) => call<QualityReport>('POST', '/v1/quality', {image}),
  identify: (authorization_id: string, gallery: string, image: string) =>
    call<Search>('POST', '/v1/identify', {authorization_id, gallery, image}),
  searches: () => call<{searches: Search[]}>('GET', '/v1/searches'),
  search: (id: string) => call<Search>('GET', `/v1/searches/${q(id)}`),
  review: (id: string, subject_id: string, decision: 'confirm' | 'reject', notes: string) =>
    call<Search>('POST', `/v1/searches/${q(id)}/reviews`, {subject_id, decision, notes}),
  lead: (id: string) => call<Lead>('GET', `/v1/searches/${q(id)}/lead`),
  probePath: (id: string) => `/v1/searches/${q(id)}/probe`,
  candidatePath: (id: string, rank: number) => `/v1/searches/${q(id)}/candidates/${rank}/image`,
  minutiae: (id: string, rank: number) => call<MinutiaePairing>('GET', `/v1/searches/${q(id)}/candidates/${rank}/minutiae`),
  audit: (qy: AuditQuery) => call<AuditPage>('GET', '/v1/audit?' + Object.entries(qy)
    .filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${q(String(v))}`).join('&')),
  auditVerify: () => call<AuditVerification>('GET', '/v1/audit/verify'),
  transparency: (from: string, to: string) =>
    call<Record<string, unknown>>('GET', `/v1/reports/transparency?from=${q(from)}&to=${q(to)}`),
};
