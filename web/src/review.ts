// Examiner and supervisor review: the queue of searches awaiting review, and
// for one search the probe and each candidate side by side with score and
// estimated FPIR, earlier reviews, and confirm / reject with notes. The
// server enforces the two-person rule (never the same person twice, never the
// requester); this screen explains it and shows the server's refusal if any.

import {Account, api, Candidate, imageUrl, Search} from './api.js';
import {clear, errorText, fmtTime, h, notice} from './dom.js';
import {LEAD_LABEL, searchStatusText} from './labels.js';

/** An error rate as text: "3.2e-5" below 0.1 %, else "0.0123". */
function fmtRate(r: number): string { return r < 0.001 ? r.toExponential(1) : r.toFixed(4); }

export function reviewView(me: Account, root: HTMLElement): () => void {
  const queue = h('div', {class: 'queue'});
  const detail = h('div', {class: 'detail'});
  const urls: string[] = [];
  let poll = 0;

  function revokeUrls(): void { while (urls.length) URL.revokeObjectURL(urls.pop()!); }

  async function photo(path: string, alt: string): Promise<HTMLElement> {
    const fig = h('div', {class: 'photo'});
    try {
      const u = await imageUrl(path);
      urls.push(u);
      fig.append(h('img', {src: u, alt}));
    } catch {
      fig.append(h('p', {class: 'no-photo'}, 'Photo not kept by this gallery'));
    }
    return fig;
  }

  async function loadQueue(): Promise<void> {
    try {
      // The server lists the caller's own requests too (a supervisor may be a
      // requester): only others' searches awaiting review belong here.
      const list = (await api.searches()).searches
        .filter((s) => s.status === 'pending_review' && s.requester !== me.username);
      const items = list.map((s) => h('li', {},
        h('button', {type: 'button', class: 'link', 'data-search': s.id, onclick: () => openSearch(s.id)},
          `${searchStatusText(s).title} · ${s.case_id ?? ''} · ${s.gallery} · ${s.candidate_count} candidate(s) · ${fmtTime(s.created_at)}`)));
      queue.replaceChildren(h('h3', {}, 'Searches awaiting review'),
        items.length ? h('ul', {class: 'cards', id: 'review-queue'}, ...items) : h('p', {}, 'Nothing awaits review.'));
    } catch (e) {
      queue.replaceChildren(h('h3', {}, 'Searches awaiting review'), notice('error', errorText(e)));
    }
  }

  function reviewForm(s: Search, c: Candidate): HTMLElement {
    const notesId = `notes-${c.rank}`;
    const notes = h('textarea', {id: notesId, rows: 2, required: true, placeholder: 'What you compared and why'}) as HTMLTextAreaElement;
    const msg = h('div', {'aria-live': 'polite'});
    const done = (c.reviews ?? []).some((r) => r.reviewer === me.username);
    const act = (decision: 'confirm' | 'reject') => async () => {
      if (!notes.value.trim()) { msg.replaceChildren(notice('error', 'Notes are required: say what you compared.')); notes.focus(); return; }
      try {
        const updated = await api.review(s.id, c.subject_id, decision, notes.value.trim());
        msg.replaceChildren(notice('ok', `Recorded: ${decision} by ${me.username}.`));
        await openSearch(updated.id, `Your ${decision} of ${c.subject_id} is recorded.`);
        void loadQueue();
      } catch (e) {
        msg.replaceChildren(notice('error', 'Refused: ' + errorText(e)));
      }
    };
    return h('div', {class: 'review-form'},
      h('label', {for: notesId}, `Notes on ${c.subject_id}`), notes,
      h('div', {class: 'row'},
        h('button', {type: 'button', class: 'confirm', onclick: act('confirm'), disabled: done}, 'Confirm'),
        h('button', {type: 'button', class: 'reject', onclick: act('reject'), disabled: done}, 'Reject')),
      done ? h('p', {class: 'hint'}, 'You have reviewed this candidate; a different qualified person must give the second review.') : '',
      msg);
  }

  async function openSearch(id: string, flash?: string): Promise<void> {
    revokeUrls();
    detail.replaceChildren(notice('info', 'Loading…'));
    let s: Search;
    try { s = await api.search(id); } catch (e) { detail.replaceChildren(notice('error', errorText(e))); return; }
    const st = searchStatusText(s);
    const probe = await photo(api.probePath(s.id), 'Probe photo');
    const body = h('div', {class: 'review', id: 'review-' + s.id},
      h('h3', {tabindex: -1}, `Search ${s.id}`),
      flash ? notice('ok', flash) : '',
      h('p', {class: 'label-lead', role: 'note'}, s.label || LEAD_LABEL),
      h('p', {}, h('strong', {}, st.title), ` — ${st.detail}`),
      h('p', {class: 'meta'}, `Case ${s.case_id ?? '—'} · gallery ${s.gallery}${s.gallery_size !== undefined ? ` (${s.gallery_size} subjects)` : ''} · requested by ${s.requester ?? '—'}`,
        s.threshold !== undefined ? ` · threshold ${s.threshold.toFixed(3)}` : '',
        s.threshold_fpir !== undefined ? ` (estimated FPIR ${fmtRate(s.threshold_fpir)} at this gallery size)` : ''));
    if (s.exigent_deadline) body.append(notice('warn', `Exigent search: must be backed by a judicial authorization by ${fmtTime(s.exigent_deadline)}, or it is purged.`));
    if (s.no_candidate_above_threshold || s.status === 'no_candidate') {
      body.append(h('div', {class: 'side'}, h('figure', {}, probe, h('figcaption', {}, 'Probe'))),
        h('p', {class: 'no-candidate', role: 'status'}, 'No candidate above threshold. Nothing to review.'));
    } else {
      const rows = h('ol', {class: 'candidates'});
      for (const c of s.candidates ?? []) {
        const cand = await photo(api.candidatePath(s.id, c.rank), `Candidate ${c.rank}: ${c.subject_id}`);
        const rejectedBy = (c.reviews ?? []).filter((r) => r.decision === 'reject').map((r) => r.reviewer);
        const reviews = (c.reviews ?? []).map((r) => h('li', {'data-decision': r.decision},
          `${r.decision === 'confirm' ? 'Confirmed' : 'Rejected'} by ${r.reviewer}${r.reviewer_role ? ' (' + r.reviewer_role + ')' : ''}, ${fmtTime(r.created_at)}${r.notes ? ': ' + r.notes : ''}`));
        rows.append(h('li', {class: 'candidate' + (rejectedBy.length ? ' rejected' : ''), 'data-subject': c.subject_id,
          'data-rejected': rejectedBy.length ? 'true' : undefined},
          h('div', {class: 'side'},
            h('figure', {}, probe.cloneNode(true), h('figcaption', {}, 'Probe')),
            h('figure', {}, cand, h('figcaption', {}, `#${c.rank} ${c.subject_id}`))),
          h('p', {class: 'scores'}, `Score ${c.score.toFixed(3)}`,
            c.fpir !== undefined
              ? ` · estimated FPIR ${c.fpir_basis === 'upper_bound' ? '≤ ' : ''}${fmtRate(c.fpir)}${c.fpir_basis === 'extrapolated' ? ' (extrapolated)' : ''}`
              : ' · FPIR not available (no calibration loaded)',
            c.record_ref ? ` · record ${c.record_ref}` : ''),
          rejectedBy.length ? h('p', {class: 'rejected-note'}, `Rejected by ${rejectedBy.join(', ')}: this candidate cannot become a lead from this search.`) : '',
          reviews.length ? h('ul', {class: 'reviews'}, ...reviews) : h('p', {class: 'hint'}, 'Not reviewed yet.'),
          s.status === 'pending_review' ? reviewForm(s, c) : ''));
      }
      body.append(rows);
    }
    if (s.lead) body.append(notice('ok', `Lead released: ${s.lead.confirmed_subject_ids.join(', ')}. ${s.lead.label}`));
    detail.replaceChildren(body);
    (body.querySelector('h3') as HTMLElement).focus();
  }

  const refInput = h('input', {id: 'search-ref', autocomplete: 'off', autocapitalize: 'none', placeholder: 'e.g. the id the requester gave you'}) as HTMLInputElement;
  const byRef = h('form', {class: 'by-ref'},
    h('div', {class: 'field'}, h('label', {for: 'search-ref'}, 'Open a search by its reference'), refInput),
    h('button', {type: 'submit', class: 'secondary'}, 'Open'));
  byRef.addEventListener('submit', (ev) => { ev.preventDefault(); if (refInput.value.trim()) void openSearch(refInput.value.trim()); });

  clear(root);
  root.append(h('h2', {}, me.role === 'supervisor' ? 'Review and supervise' : 'Examiner review'),
    h('p', {class: 'label-lead'}, LEAD_LABEL), queue, byRef, detail);
  void loadQueue();
  poll = window.setInterval(loadQueue, 8000);
  return () => { window.clearInterval(poll); revokeUrls(); };
}
