// Plain-language wording of search states, shared by every screen. Results
// are always investigative leads, never identifications: each screen shows
// LEAD_LABEL once (not on every card, and not on "no candidate" results).

import {Authorization, ReviewState, Search} from './api.js';

export const LEAD_LABEL = 'Investigative lead only — not a positive identification. Corroborate before any action.';

export function searchStatusText(s: Search): {title: string; detail: string} {
  switch (s.status) {
    case 'no_candidate':
      return {title: 'No candidate above threshold', detail: 'The gallery holds no one scoring above the threshold set for this gallery. This is a result, not an error.'};
    case 'pending_review':
      return {title: 'Awaiting examiner review', detail: 'Trained examiners are reviewing the candidates. A lead is released only after two different people confirm it.'};
    case 'lead_released':
      return {title: 'Lead released', detail: 'Two qualified reviewers confirmed this lead.'};
    case 'purged':
      return {title: 'Purged', detail: 'The probe and results were deleted (retention period or unbacked exigent search).'};
    case 'refused':
      return {title: 'Refused', detail: 'The search was refused and audited.'};
    default:
      return {title: s.status, detail: ''};
  }
}

/**
 * The two-person state in words: "1 of 2 confirmations — needs a second
 * reviewer (not erin)". `me` (a reviewer) is told when theirs is the missing one.
 */
export function twoPersonText(s: Search, me?: string, myRole?: string): {text: string; yours: boolean; done: boolean} {
  const r: ReviewState | undefined = s.review_state;
  if (!r || s.status === 'no_candidate' || s.status === 'purged') return {text: '', yours: false, done: false};
  if (s.status === 'lead_released' || r.confirmations >= r.required) {
    return {text: `${r.required} of ${r.required} confirmations (${r.confirmed_by.join(' and ')}) — lead released`, yours: false, done: true};
  }
  const reviewed = me !== undefined && r.reviewed_by.includes(me);
  if (r.confirmations === 0) {
    const rej = r.rejected_by.length ? ` (rejected by ${r.rejected_by.join(', ')}; another candidate can still be confirmed)` : '';
    return {text: `0 of ${r.required} confirmations — needs an examiner's review${rej}`, yours: false, done: false};
  }
  const not = r.confirmed_by.join(', ');
  const who = r.examiner_confirmed ? 'a second reviewer' : 'an examiner';
  // Theirs is the missing one if they have not reviewed it and can give what is missing.
  const yours = me !== undefined && !reviewed && (r.examiner_confirmed || myRole === 'examiner');
  return {text: `${r.confirmations} of ${r.required} confirmations — needs ${who} (not ${not})` +
    (yours ? '. Yours is the missing one.' : reviewed ? '. You have reviewed it: someone else must give the other.' : ''), yours, done: false};
}

/** Why an authorization cannot be used, in words. */
export function authorizationState(a: Authorization): string {
  if (a.usable) return '';
  if (a.status === 'pending') return 'Waiting for a supervisor\'s approval.';
  if (a.status === 'revoked') return 'Denied or withdrawn by a supervisor.';
  if (a.status === 'lapsed') return 'Lapsed: its exigent window passed, or it ended.';
  const r = a.unusable_reason ?? '';
  if (/expired/.test(r)) return 'Expired.';
  if (/no searches left/.test(r)) return `All ${a.max_searches} searches used.`;
  if (/exigent window/.test(r)) return 'The exigent window passed without judicial backing.';
  return r || a.status;
}

export const BASIS: Record<string, string> = {
  warrant: 'Warrant', court_order: 'Court order', subpoena: 'Subpoena', consent: 'Consent', exigent: 'Exigent',
};
