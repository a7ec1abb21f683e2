// Plain-language wording of search states, shared by every screen. Results
// are always investigative leads, never identifications.

import {Search} from './api.js';

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
