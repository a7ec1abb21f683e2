// The investigator's request for an authorization: the legal basis and its
// reference, who issued it, the case and purpose, the galleries, an expiry and
// a search limit. It is recorded as pending; a supervisor (not the requester)
// approves or denies it on their screen. Exigent declarations are a
// supervisor's own act and are not offered here.

import {api, Gallery} from './api.js';
import {errorText, h, notice} from './dom.js';

const BASES: [string, string][] = [
  ['warrant', 'Warrant'], ['court_order', 'Court order'], ['subpoena', 'Subpoena'], ['consent', 'Consent of the person'],
];

export function requestForm(onRecorded: (id: string) => void): HTMLElement {
  const field = (id: string, text: string, input: HTMLElement, hint?: string) =>
    h('div', {class: 'field'}, h('label', {for: id}, text), input, hint ? h('small', {class: 'hint', id: id + '-hint'}, hint) : '');
  const basis = h('select', {id: 'rq-basis'}, ...BASES.map(([v, t]) => h('option', {value: v}, t))) as HTMLSelectElement;
  const reference = h('input', {id: 'rq-reference', required: true, autocomplete: 'off', placeholder: 'e.g. W-2026-0142'}) as HTMLInputElement;
  const authority = h('input', {id: 'rq-authority', required: true, autocomplete: 'off', placeholder: 'e.g. District Court, Judge Okafor'}) as HTMLInputElement;
  const caseId = h('input', {id: 'rq-case', required: true, autocomplete: 'off', placeholder: 'e.g. CASE-7731'}) as HTMLInputElement;
  const purpose = h('input', {id: 'rq-purpose', required: true, autocomplete: 'off', placeholder: 'the offence or purpose'}) as HTMLInputElement;
  const day = 86400e3;
  const expires = h('input', {id: 'rq-expires', type: 'date', required: true,
    value: new Date(Date.now() + 30 * day).toISOString().slice(0, 10),
    min: new Date(Date.now() + day).toISOString().slice(0, 10)}) as HTMLInputElement;
  const max = h('input', {id: 'rq-max', type: 'number', min: 1, max: 100000, value: 5, required: true, inputmode: 'numeric'}) as HTMLInputElement;
  const galleries = h('fieldset', {class: 'galleries'}, h('legend', {}, 'Galleries to search'));
  const msg = h('div', {'aria-live': 'polite'});
  const send = h('button', {type: 'submit'}, 'Send request for approval') as HTMLButtonElement;

  api.galleries().then(({galleries: gs}) => {
    if (!gs.length) galleries.append(h('p', {class: 'hint'}, 'No gallery exists yet.'));
    for (const g of gs as Gallery[]) {
      const id = 'rq-g-' + g.name;
      galleries.append(h('div', {class: 'check'},
        h('input', {type: 'checkbox', id, value: g.name, checked: gs.length === 1}),
        h('label', {for: id}, `${g.name} `, h('small', {}, `(${g.subjects} subjects; accepts ${g.allowed_search_bases.length ? g.allowed_search_bases.map((b) => b.replace('_', ' ')).join(', ') : 'any basis'})`))));
    }
  }).catch((e) => galleries.append(notice('error', 'Cannot list galleries: ' + errorText(e))));

  const form = h('form', {class: 'request-auth', id: 'request-auth', novalidate: true},
    field('rq-basis', 'Legal basis', basis),
    field('rq-reference', 'Reference (warrant or order number)', reference),
    field('rq-authority', 'Issuing authority', authority),
    field('rq-case', 'Case', caseId),
    field('rq-purpose', 'Purpose', purpose),
    galleries,
    h('div', {class: 'row two'}, field('rq-expires', 'Valid until', expires), field('rq-max', 'Search limit', max)),
    send, msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = [...galleries.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    const missing = [[reference, 'the reference'], [authority, 'the issuing authority'], [caseId, 'the case'], [purpose, 'the purpose']]
      .filter(([i]) => !(i as HTMLInputElement).value.trim()).map(([, t]) => t as string);
    if (!chosen.length) missing.push('at least one gallery');
    if (!expires.value) missing.push('the expiry date');
    const n = Number(max.value);
    if (!Number.isInteger(n) || n < 1) missing.push('a search limit of 1 or more');
    if (missing.length) { msg.replaceChildren(notice('error', 'Still needed: ' + missing.join(', ') + '.')); return; }
    send.disabled = true;
    msg.replaceChildren(notice('info', 'Sending…'));
    try {
      const a = await api.requestAuthorization({basis: basis.value, reference: reference.value.trim(),
        issuing_authority: authority.value.trim(), case_id: caseId.value.trim(), purpose: purpose.value.trim(),
        galleries: chosen, expires_at: expires.value + 'T23:59:59Z', max_searches: n});
      msg.replaceChildren(notice('ok', `Request ${a.id} for case ${a.case_id} sent: it waits for a supervisor's approval and is listed below as pending.`));
      (form as HTMLFormElement).reset();
      onRecorded(a.id);
    } catch (e) {
      msg.replaceChildren(notice('error', 'Not recorded: ' + errorText(e)));
    } finally {
      send.disabled = false;
    }
  });
  return h('details', {class: 'request', id: 'request-details'},
    h('summary', {}, 'Request a new authorization'), form);
}
