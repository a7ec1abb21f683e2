// Plain-language messages for every error the client can meet: the server's
// error codes (docs/openapi.yaml, `{"error": {code, message}}`), a network
// failure, and the camera's DOMException names. The server's own sentence is
// kept as the detail (it is precise: which authorization, which limit), but
// never shown alone with its code prefix ("NOT_FOUND: search '…' not found").

/** What a code means to the person at the screen, and what to do next. */
const BY_CODE: Record<string, string> = {
  INVALID_ARGUMENT: 'The request was not accepted: something in it is missing or not valid.',
  OUT_OF_RANGE: 'A value is outside the range the server accepts.',
  UNAUTHENTICATED: 'You are not signed in any more. Sign in again.',
  PERMISSION_DENIED: 'Not allowed for your account.',
  NOT_FOUND: 'Not found: nothing is recorded under that reference (check it, or it may have been purged).',
  ALREADY_EXISTS: 'Already recorded: this was done before.',
  ABORTED: 'Already recorded: this was done before.',
  FAILED_PRECONDITION: 'Not possible yet in this state.',
  RESOURCE_EXHAUSTED: 'Too many requests in a short time: wait a minute and try again.',
  UNAVAILABLE: 'The server cannot do this right now. Try again shortly, or ask the administrator.',
  DEADLINE_EXCEEDED: 'The server took too long to answer. Try again.',
  INTERNAL: 'The server hit an internal error; nothing was changed. Try again, or ask the administrator.',
  DATA_LOSS: 'Stored data failed its integrity check. Tell the administrator.',
  UNIMPLEMENTED: 'This server does not offer that yet.',
};
const BY_STATUS: Record<number, string> = {
  0: 'The server cannot be reached. Check the connection and try again.',
  400: BY_CODE.INVALID_ARGUMENT, 401: BY_CODE.UNAUTHENTICATED, 403: BY_CODE.PERMISSION_DENIED,
  404: BY_CODE.NOT_FOUND, 405: 'This action is not available here.', 409: BY_CODE.ALREADY_EXISTS,
  412: BY_CODE.FAILED_PRECONDITION,
  413: 'The photo or request is too large for the server. Use a smaller photo (under a few megabytes).',
  422: 'No usable face in the photo: use a sharp, frontal photo of one face.',
  429: BY_CODE.RESOURCE_EXHAUSTED, 500: BY_CODE.INTERNAL, 503: BY_CODE.UNAVAILABLE, 504: BY_CODE.DEADLINE_EXCEEDED,
};

/** Server sentences that have a better plain form than the code's. */
const DETAILS: [RegExp, string][] = [
  [/^search '[^']*' not found/, 'No search has that reference. Check it with the requester; it may also have been purged.'],
  [/calibration is for model/, 'This installation cannot search: its calibration was made for another build of the face model. Tell the administrator (candor calibrate).'],
  [/training/i, 'Your training record has lapsed: searches and reviews are refused until it is renewed.'],
  [/same (person|reviewer)|already reviewed|twice/i, 'You have already reviewed this: a second, different person must give the other review.'],
];

export interface Plain { text: string; detail: string; }

/** A plain message for an ApiError (or anything thrown). */
export function plainError(e: unknown): Plain {
  if (e && typeof e === 'object' && 'message' in e) {
    const code = String((e as {code?: string}).code ?? '');
    const status = Number((e as {status?: number}).status ?? -1);
    const detail = String((e as Error).message ?? '');
    for (const [re, text] of DETAILS) if (re.test(detail)) return {text, detail};
    // The 422 of identify is about the photo, whatever the code says.
    const text = (status === 422 || status === 413 || status === 0 ? BY_STATUS[status] : undefined)
      ?? BY_CODE[code] ?? BY_STATUS[status] ?? 'Something went wrong.';
    return {text, detail: status === 0 ? '' : detail};
  }
  return {text: 'Something went wrong.', detail: String(e)};
}

/** One line: the plain message, then the server's reason in brackets when it adds something. */
export function plainErrorText(e: unknown): string {
  const p = plainError(e);
  const d = p.detail.trim();
  if (!d || p.text.toLowerCase().includes(d.toLowerCase())) return p.text;
  return `${p.text} (Reason given: ${d.charAt(0).toLowerCase() + d.slice(1)}.)`.replace(/\.\.\)$/, '.)');
}

/** getUserMedia failures by DOMException name, in words. */
export function cameraErrorText(e: unknown): string {
  const name = e && typeof e === 'object' && 'name' in e ? String((e as {name: string}).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      return 'The camera was not allowed. Allow it for this site in the browser settings, or upload a photo instead.';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return 'No camera was found on this device. Upload a photo instead.';
    case 'NotReadableError':
    case 'TrackStartError':
      return 'The camera is in use by another app, or it failed to start. Close the other app, or upload a photo instead.';
    case 'OverconstrainedError':
      return 'The camera cannot give a usable picture size. Upload a photo instead.';
    case 'SecurityError':
      return 'The browser blocks the camera on this page (it needs HTTPS). Upload a photo instead.';
    case 'AbortError':
      return 'The camera stopped before it started. Try again, or upload a photo instead.';
    default:
      return 'The camera is not available. Upload a photo instead.';
  }
}
