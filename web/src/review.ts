// Examiner and supervisor review: the queue of searches this person can act
// on (with the two-person state of each), and for one search the probe and
// each candidate side by side with score and estimated FPIR (explained),
// earlier reviews, and confirm / reject with notes. The server enforces the
// two-person rule (never the same person twice, never the requester); this
// screen shows where a search stands ("1 of 2 confirmations — needs a second
// reviewer (not erin)") and the server's refusal if any.
//
// Probe and candidate are generic *sample panes* (samplePane: a modality, an
// image route, a caption), so a second modality (fingerprints) adds panes of
// its own kind beside the face ones without changing the review logic.

import {Account, api, Candidate, imageUrl, MinutiaePairing, PrintMinutiae, Search} from './api.js';
import {clear, errorText, fmtTime, h, notice} from './dom.js';
import {LEAD_LABEL, searchStatusText, twoPersonText} from './labels.js';

export type Modality = 'face' | 'finger';
/** One sample to compare: its modality, the route of its image, and a caption. */
export interface Sample { modality: Modality; role: 'probe' | 'candidate'; path: string; caption: string; alt: string; }

/** An error rate as text: "3.2e-5" below 0.1 %, else "0.0123". */
function fmtRate(r: number): string { return r < 0.001 ? r.toExponential(1) : r.toFixed(4); }
/** A rate as a share in words: "0.93 %", "1 in 34,000". */
function pct(r: number): string { return r >= 0.001 ? `${(100 * r).toPrecision(2)} %` : `1 in ${Math.round(1 / r).toLocaleString('en')}`; }

export function reviewView(me: Account, root: HTMLElement): () => void {
  const queue = h('div', {class: 'queue'});
  const detail = h('div', {class: 'detail'});
  const urls: string[] = [];
  let poll = 0;

  function revokeUrls(): void { while (urls.length) URL.revokeObjectURL(urls.pop()!); }

  /** A sample pane: the image (fetched with the token, role-checked and audited) or why there is none. */
  async function samplePane(x: Sample): Promise<HTMLElement> {
    const fig = h('figure', {class: 'sample', 'data-modality': x.modality, 'data-role': x.role});
    try {
      const u = await imageUrl(x.path);
      urls.push(u);
      fig.append(h('img', {src: u, alt: x.alt}));
      fig.dataset.kept = 'true';
    } catch {
      fig.append(h('p', {class: 'no-photo'}, x.role === 'probe' ? 'Probe photo no longer kept (purged)' : 'No enrolment photo kept for this candidate'));
      fig.dataset.kept = 'false';
    }
    fig.append(h('figcaption', {}, x.caption));
    return fig;
  }

  const modalities = new Map<string, Modality>();
  async function modalityOf(gallery: string): Promise<Modality> {
    if (!modalities.size) {
      try { for (const g of (await api.galleries()).galleries) modalities.set(g.name, g.modality ?? 'face'); } catch { /* faces */ }
    }
    return modalities.get(gallery) ?? 'face';
  }

  /**
   * A fingerprint comparison: probe and candidate prints side by side (as the
   * server rendered them, in the minutiae's frame), every minutia marked, and
   * the pairs MCC chose joined by lines, for the examiner to check one by one.
   */
  function fingerComparison(p: MinutiaePairing, caption: string): HTMLElement {
    const NS = 'http://www.w3.org/2000/svg';
    const gap = 24;
    const w = p.probe.width + gap + p.candidate.width, hgt = Math.max(p.probe.height, p.candidate.height);
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
    svg.setAttribute('class', 'minutiae');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `Probe and ${caption}: ${p.pairs.length} paired minutiae`);
    const el = (name: string, attrs: Record<string, string | number>) => {
      const e = document.createElementNS(NS, name);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      svg.append(e);
      return e;
    };
    const side = (m: PrintMinutiae, dx: number) => {
      if (m.image_png) el('image', {href: 'data:image/png;base64,' + m.image_png, x: dx, y: 0, width: m.width, height: m.height});
      else el('rect', {x: dx, y: 0, width: m.width, height: m.height, fill: '#f4f4f4'});
    };
    side(p.probe, 0);
    side(p.candidate, p.probe.width + gap);
    const paired = {probe: new Set(p.pairs.map((x) => x.probe)), candidate: new Set(p.pairs.map((x) => x.candidate))};
    const mark = (m: PrintMinutiae, dx: number, set: Set<number>) => m.minutiae.forEach((q, i) => {
      const on = set.has(i);
      el('circle', {cx: q.x + dx, cy: q.y, r: 5, fill: 'none', stroke: on ? '#1b873f' : '#c9370d', 'stroke-width': on ? 2 : 1});
      el('line', {x1: q.x + dx, y1: q.y, x2: q.x + dx + 12 * Math.cos(q.direction), y2: q.y + 12 * Math.sin(q.direction), stroke: on ? '#1b873f' : '#c9370d', 'stroke-width': 1});
    });
    mark(p.probe, 0, paired.probe);
    mark(p.candidate, p.probe.width + gap, paired.candidate);
    for (const pr of p.pairs) {
      const a = p.probe.minutiae[pr.probe], b = p.candidate.minutiae[pr.candidate];
      if (!a || !b) continue;
      el('line', {x1: a.x, y1: a.y, x2: b.x + p.probe.width + gap, y2: b.y, stroke: '#1f5fbf', 'stroke-width': 1, opacity: 0.6});
    }
    return h('figure', {class: 'sample finger-pair', 'data-modality': 'finger', 'data-pairs': String(p.pairs.length)}, svg,
      h('figcaption', {}, `Probe (left) and ${caption} (right, finger position ${p.candidate.finger_position ?? 0}): ${p.pairs.length} minutiae paired (green, joined in blue), MCC score ${p.score.toFixed(3)}. Check each pair yourself.`));
  }

  async function loadQueue(): Promise<void> {
    try {
      // The server lists the caller's own requests too (a supervisor may be a
      // requester): only others' searches awaiting review belong here, and of
      // those only the ones this person can still act on (not reviewed by them).
      const pending = (await api.searches()).searches
        .filter((s) => s.status === 'pending_review' && s.requester !== me.username);
      const reviewed = (s: Search) => (s.review_state?.reviewed_by ?? []).includes(me.username);
      const item = (s: Search) => {
        const tp = twoPersonText(s, me.username, me.role);
        return h('li', {'data-queue': s.id, class: tp.yours ? 'yours' : ''},
          h('button', {type: 'button', class: 'link', 'data-search': s.id, onclick: () => openSearch(s.id)},
            `${s.case_id ?? ''} · ${s.gallery} · ${s.candidate_count} candidate${s.candidate_count === 1 ? '' : 's'} · ${fmtTime(s.created_at)}`),
          h('p', {class: 'two-person' + (tp.yours ? ' yours' : '')}, tp.text || searchStatusText(s).title));
      };
      const act = pending.filter((s) => !reviewed(s));
      const waiting = pending.filter(reviewed);
      const missing = act.filter((s) => twoPersonText(s, me.username, me.role).yours).length;
      queue.replaceChildren(h('h3', {}, 'Searches awaiting your review'),
        missing ? h('p', {class: 'notice info', role: 'status', id: 'yours-missing'},
          `${missing} search${missing === 1 ? ' has' : 'es have'} one confirmation and need${missing === 1 ? 's' : ''} yours to release a lead.`) : '',
        act.length ? h('ul', {class: 'cards', id: 'review-queue'}, ...act.map(item)) : h('p', {}, 'Nothing awaits your review.'),
        waiting.length ? h('details', {class: 'waiting'}, h('summary', {}, `Reviewed by you, waiting for another person (${waiting.length})`),
          h('ul', {class: 'cards', id: 'waiting-queue'}, ...waiting.map(item))) : '');
    } catch (e) {
      queue.replaceChildren(h('h3', {}, 'Searches awaiting your review'), notice('error', errorText(e)));
    }
  }

  function reviewForm(s: Search, c: Candidate, photoKept: boolean, m: Modality): HTMLElement {
    const sample = m === 'finger' ? 'print' : 'photo';
    const notesId = `notes-${c.rank}`;
    const notes = h('textarea', {id: notesId, rows: 2, required: true, placeholder: 'What you compared and why'}) as HTMLTextAreaElement;
    const msg = h('div', {'aria-live': 'polite'});
    const done = (c.reviews ?? []).some((r) => r.reviewer === me.username);
    // Without the candidate's photo a confirmation is not a face comparison:
    // said before Confirm, and it needs an explicit acknowledgement and note.
    const blindId = `blind-${c.rank}`;
    const blind = h('input', {type: 'checkbox', id: blindId}) as HTMLInputElement;
    const act = (decision: 'confirm' | 'reject') => async () => {
      if (!notes.value.trim()) { msg.replaceChildren(notice('error', 'Notes are required: say what you compared.')); notes.focus(); return; }
      if (decision === 'confirm' && !photoKept && !blind.checked) {
        msg.replaceChildren(notice('error', `This gallery kept no ${sample} of the candidate: tick the box to confirm without it, and say in the note what you compared instead.`));
        blind.focus(); return;
      }
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
      !photoKept && !done ? h('div', {class: 'notice warn blind', role: 'note'},
        h('p', {}, `No enrolment ${sample} is kept for this candidate, so the ${m === 'finger' ? 'prints' : 'faces'} cannot be compared here. Reject it, or confirm only from another source (the gallery\'s own record) and say which in the note.`),
        h('div', {class: 'check'}, blind, h('label', {for: blindId}, `I confirm without the candidate's ${sample}, from the source named in my note`))) : '',
      h('label', {for: notesId}, `Notes on ${c.subject_id}`), notes,
      h('div', {class: 'row'},
        h('button', {type: 'button', class: 'confirm', onclick: act('confirm'), disabled: done}, 'Confirm'),
        h('button', {type: 'button', class: 'reject', onclick: act('reject'), disabled: done}, 'Reject')),
      done ? h('p', {class: 'hint'}, 'You have reviewed this candidate; a different qualified person must give the second review.') : '',
      msg);
  }

  /** Which calibration the threshold and the rates came from, in words. */
  function thresholdSourceText(s: Search, m: Modality): string {
    const samples = m === 'finger' ? 'prints' : 'photos';
    if (!s.threshold_calibration) return '';
    const what = s.threshold_calibration === 'gallery'
      ? `Threshold and rates from this gallery's own calibration (measured on its enrolled ${samples})`
      : s.threshold_calibration === 'model'
        ? `Threshold and rates from the model's calibration (measured on other ${samples}: this gallery has no calibration of its own, so the rates may not hold for it)`
        : 'Threshold set by the operator without a calibration: no rate can be trusted';
    return s.threshold_source ? `${what}: ${s.threshold_source}.` : `${what}.`;
  }

  /** Which index answered, in words (null when the record does not say). */
  function indexText(s: Search): {text: string; warn: boolean} | null {
    const ix = s.index;
    if (!ix) return null;
    if (ix.exact || !ix.recall) return {text: `Searched exhaustively (${ix.name}): every enrolled template was compared.`, warn: false};
    const r = ix.recall;
    const rpct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const met = r.measured >= r.target;
    let text = `Searched with a compressed index (${ix.name}): measured to return the same best candidate as an exhaustive search for ${rpct(r.measured)} of test searches ` +
      `(target ${rpct(r.target)}${met ? '' : ', NOT met'}, 95 % lower bound ${rpct(r.lower95)}, measured at ${r.measured_at.toLocaleString('en')} templates). ` +
      'A true match can be missed; the scores shown are exact.';
    if (s.gallery_size !== undefined && r.measured_at < 0.8 * s.gallery_size) text += ' The gallery has grown since the recall was measured.';
    return {text, warn: !met};
  }

  /** What score, threshold and FPIR mean, with this search's numbers. */
  function explain(s: Search, m: Modality): HTMLElement {
    const n = s.gallery_size !== undefined ? `${s.gallery_size} subjects` : 'this gallery';
    return h('details', {class: 'explain'}, h('summary', {}, 'What do score, threshold and estimated FPIR mean?'),
      h('ul', {},
        h('li', {}, m === 'finger'
          ? 'Score: how well the probe\'s and the candidate\'s minutiae agree (Minutia Cylinder-Code, 0 to 1; higher is more alike). It is not a probability that they are the same finger.'
          : 'Score: how alike the probe\'s and the candidate\'s face templates are (cosine similarity; higher is more alike). It is not a probability that they are the same person.'),
        h('li', {}, `Threshold${s.threshold !== undefined ? ' ' + s.threshold.toFixed(3) : ''}: the score a candidate needs to be listed at all. It was set so that a search of someone who is not in the gallery lists anyone only rarely` +
          (s.threshold_fpir !== undefined ? ` (about ${pct(s.threshold_fpir)} of such searches at ${n}: the estimated FPIR at the threshold).` : '.')),
        h('li', {}, `Estimated FPIR of a score: the share of searches of people not in the gallery that would still produce a candidate scoring this high, at ${n}. The smaller it is, the less likely the match is a coincidence; "≤" means the calibration data cannot show a lower value.`),
        h('li', {}, `Neither number decides: compare the ${m === 'finger' ? 'prints and their paired minutiae' : 'photos'} yourself, and confirm only what you would defend.`)));
  }

  async function openSearch(id: string, flash?: string): Promise<void> {
    revokeUrls();
    detail.replaceChildren(notice('info', 'Loading…'));
    let s: Search;
    try { s = await api.search(id); } catch (e) { detail.replaceChildren(notice('error', errorText(e))); return; }
    const st = searchStatusText(s);
    const tp = twoPersonText(s, me.username, me.role);
    const modality = await modalityOf(s.gallery);
    // A fingerprint probe is drawn with each candidate's paired minutiae (the
    // server renders both prints: a TIFF cannot be shown by a browser).
    const probe = modality === 'finger'
      ? h('figure', {class: 'sample', 'data-modality': 'finger', 'data-role': 'probe'}, h('figcaption', {}, 'Fingerprint probe: shown beside each candidate with the paired minutiae.'))
      : await samplePane({modality, role: 'probe', path: api.probePath(s.id), caption: 'Probe', alt: 'Probe photo'});
    const body = h('div', {class: 'review', id: 'review-' + s.id, 'data-status': s.status},
      h('h3', {tabindex: -1}, `Search ${s.id}`),
      flash ? notice('ok', flash) : '',
      h('p', {}, h('strong', {}, st.title), ` — ${st.detail}`),
      tp.text ? h('p', {class: 'two-person' + (tp.yours ? ' yours' : ''), 'data-confirmations': String(s.review_state?.confirmations ?? 0)}, tp.text) : '',
      h('p', {class: 'meta'}, `Case ${s.case_id ?? '—'} · gallery ${s.gallery}${s.gallery_size !== undefined ? ` (${s.gallery_size} subjects)` : ''} · requested by ${s.requester ?? '—'}`,
        s.threshold !== undefined ? ` · threshold ${s.threshold.toFixed(3)}` : '',
        s.threshold_fpir !== undefined ? ` (estimated FPIR ${fmtRate(s.threshold_fpir)} at this gallery size)` : ''));
    const src = thresholdSourceText(s, modality);
    if (src) body.append(h('p', {class: 'threshold-source', 'data-calibration': s.threshold_calibration ?? ''}, src));
    const ix = indexText(s);
    if (ix) body.append(ix.warn ? notice('warn', ix.text) : h('p', {class: 'index-answered', 'data-exact': String(s.index?.exact ?? '')}, ix.text));
    if (s.threshold_stale) body.append(notice('warn', 'The gallery has grown since its calibration: the threshold and rates may be out of date until an administrator recalibrates it.'));
    if (s.exigent_deadline) body.append(notice('warn', `Exigent search: must be backed by a judicial authorization by ${fmtTime(s.exigent_deadline)}, or it is purged.`));
    if (s.no_candidate_above_threshold || s.status === 'no_candidate') {
      body.append(h('div', {class: 'comparison'}, probe),
        h('p', {class: 'no-candidate', role: 'status'}, 'No candidate above threshold. Nothing to review.'));
    } else {
      body.append(explain(s, modality));
      const rows = h('ol', {class: 'candidates'});
      for (const c of s.candidates ?? []) {
        let comparison: HTMLElement;
        let kept = false;
        if (modality === 'finger') {
          try {
            const pm = await api.minutiae(s.id, c.rank);
            comparison = fingerComparison(pm, `candidate #${c.rank} ${c.subject_id}`);
            kept = !!pm.probe.image_png && !!pm.candidate.image_png;
          } catch (e) { comparison = notice('error', 'Paired minutiae not available: ' + errorText(e)); }
        } else {
          const cand = await samplePane({modality, role: 'candidate', path: api.candidatePath(s.id, c.rank),
            caption: `#${c.rank} ${c.subject_id}`, alt: `Candidate ${c.rank}: ${c.subject_id}`});
          kept = cand.dataset.kept === 'true';
          comparison = h('div', {class: 'comparison'}, probe.cloneNode(true), cand);
        }
        const rejectedBy = (c.reviews ?? []).filter((r) => r.decision === 'reject').map((r) => r.reviewer);
        const reviews = (c.reviews ?? []).map((r) => h('li', {'data-decision': r.decision},
          `${r.decision === 'confirm' ? 'Confirmed' : 'Rejected'} by ${r.reviewer}${r.reviewer_role ? ' (' + r.reviewer_role + ')' : ''}, ${fmtTime(r.created_at)}${r.notes ? ': ' + r.notes : ''}`));
        rows.append(h('li', {class: 'candidate' + (rejectedBy.length ? ' rejected' : ''), 'data-subject': c.subject_id,
          'data-rejected': rejectedBy.length ? 'true' : undefined, 'data-photo': kept ? 'kept' : 'missing'},
          comparison,
          h('p', {class: 'scores'}, `Score ${c.score.toFixed(3)}`,
            c.fpir !== undefined
              ? ` · estimated FPIR ${c.fpir_basis === 'upper_bound' ? '≤ ' : ''}${fmtRate(c.fpir)}${c.fpir_basis === 'extrapolated' ? ' (extrapolated)' : ''}`
              : ' · FPIR not available (no calibration loaded)',
            c.record_ref ? ` · record ${c.record_ref}` : ''),
          rejectedBy.length ? h('p', {class: 'rejected-note'}, `Rejected by ${rejectedBy.join(', ')}: this candidate cannot become a lead from this search.`) : '',
          reviews.length ? h('ul', {class: 'reviews'}, ...reviews) : h('p', {class: 'hint'}, 'Not reviewed yet.'),
          s.status === 'pending_review' ? reviewForm(s, c, kept, modality) : ''));
      }
      body.append(rows);
    }
    if (s.lead) body.append(notice('ok', `Lead released to ${s.requester ?? 'the requester'}: ${s.lead.confirmed_subject_ids.join(', ')} (two confirmations).`));
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
