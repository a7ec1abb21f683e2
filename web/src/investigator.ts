// Investigator screen: pick a usable authorization (or see why none is),
// capture or upload a probe with live quality feedback, submit a 1:N search
// and follow its status until a lead is released (after two confirmations).

import {Account, api, Authorization, Lead, QualityReport, Search} from './api.js';
import {captureWidget} from './capture.js';
import {clear, errorText, fmtTime, h, notice} from './dom.js';
import {searchStatusText} from './labels.js';

export function investigatorView(me: Account, root: HTMLElement): () => void {
  const trainingLapsed = new Date(me.training_expires_at).getTime() < Date.now();
  const authBox = h('fieldset', {class: 'auths'}, h('legend', {}, 'Authorization'));
  const gallerySel = h('select', {id: 'gallery'}) as HTMLSelectElement;
  const submit = h('button', {type: 'button', id: 'submit-search', disabled: true}, 'Search for investigative leads') as HTMLButtonElement;
  const submitMsg = h('div', {'aria-live': 'polite'});
  // The outcome of the last search request; kept apart from the "why not" hint,
  // which update() rewrites whenever the form changes.
  const resultMsg = h('div', {'aria-live': 'polite'});
  const mine = h('div', {class: 'mine'});
  let auths: Authorization[] = [];
  const leads = new Map<string, Lead>();
  let image: string | null = null;
  let report: QualityReport | null = null;
  // The photo of the last recorded search: a second click would search the
  // same photo again and use up one more of the authorization's searches.
  let searched: string | null = null;
  let poll = 0;

  const cap = captureWidget((img, r) => { image = img; report = r; update(); });

  function chosen(): Authorization | undefined {
    const el = authBox.querySelector('input[name=auth]:checked') as HTMLInputElement | null;
    return auths.find((a) => a.id === el?.value);
  }

  function update(): void {
    const a = chosen();
    const prev = gallerySel.value;
    clear(gallerySel);
    for (const g of a?.galleries ?? []) gallerySel.append(h('option', {value: g}, g));
    if (a?.galleries.includes(prev)) gallerySel.value = prev;
    let why = '';
    if (trainingLapsed) why = 'Your training has lapsed: searches are refused until it is renewed.';
    else if (!a) why = 'Choose a usable authorization.';
    else if (!image) why = 'Take or upload a photo.';
    else if (!report?.usable) why = 'The photo is not usable yet (see the feedback above).';
    else if (image === searched) why = 'This photo has been searched (see My requests). Take or upload another photo to search again.';
    submit.disabled = why !== '';
    submit.setAttribute('aria-describedby', 'submit-why');
    submitMsg.replaceChildren(why ? h('p', {id: 'submit-why', class: 'hint'}, why) : '');
  }

  async function loadAuths(): Promise<void> {
    clear(authBox);
    authBox.append(h('legend', {}, 'Authorization'));
    try {
      auths = (await api.authorizations()).authorizations;
    } catch (e) {
      authBox.append(notice('error', 'Cannot load authorizations: ' + errorText(e)));
      return;
    }
    if (auths.length === 0) {
      authBox.append(notice('warn', 'No authorization is recorded for you. A search needs a warrant, court order, subpoena, consent or an exigent authorization recorded by a supervisor.'));
    }
    const usable = auths.filter((a) => a.usable);
    if (auths.length > 0 && usable.length === 0) {
      authBox.append(notice('warn', 'None of your authorizations is usable now; each one says why below.'));
    }
    for (const a of auths) {
      const id = 'auth-' + a.id;
      const reason = a.usable ? '' : (a.unusable_reason || a.status);
      authBox.append(h('div', {class: 'auth' + (a.usable ? '' : ' unusable')},
        h('input', {type: 'radio', name: 'auth', id, value: a.id, disabled: !a.usable, onchange: () => update()}),
        h('label', {for: id},
          h('strong', {}, `${a.case_id} · ${a.basis.replace('_', ' ')}`), ' ',
          h('span', {}, `${a.reference ?? ''} ${a.purpose ? '— ' + a.purpose : ''}`), h('br'),
          h('small', {}, `Galleries: ${a.galleries.join(', ')} · ${a.searches_used}/${a.max_searches} searches used · expires ${fmtTime(a.expires_at)}`),
          reason ? h('span', {class: 'why'}, ' Not usable: ' + reason) : '')));
    }
    const first = authBox.querySelector('input[name=auth]:not([disabled])') as HTMLInputElement | null;
    if (first && usable.length === 1) first.checked = true;
    update();
  }

  function searchCard(s: Search): HTMLElement {
    const st = searchStatusText(s);
    const card = h('li', {class: 'search-card', 'data-status': s.status},
      h('strong', {}, st.title), ' ', h('small', {}, `${s.case_id ?? ''} · ${s.gallery} · ${fmtTime(s.created_at)}`),
      h('p', {class: 'label-lead'}, s.label || 'Investigative lead, not a positive identification'),
      h('p', {}, st.detail));
    if (s.status === 'lead_released') {
      const leadBox = h('div', {class: 'lead'});
      card.append(leadBox);
      const show = (l: Lead) => leadBox.replaceChildren(h('p', {class: 'lead-text'},
        `Confirmed by two reviewers: ${l.confirmed_subject_ids.join(', ') || 'no subject'}. ${l.label}`));
      // Each release is an audited access: fetch a lead once, not at every refresh.
      const known = leads.get(s.id);
      if (known) show(known);
      else api.lead(s.id).then((l) => { leads.set(s.id, l); show(l); })
        .catch((e) => leadBox.replaceChildren(notice('error', errorText(e))));
    }
    return card;
  }

  async function loadMine(): Promise<void> {
    try {
      // Newest first (the server lists oldest first).
      const list = (await api.searches()).searches.map((x, i) => ({x, i}))
        .sort((a, b) => (Date.parse(b.x.created_at) - Date.parse(a.x.created_at)) || b.i - a.i).map((e) => e.x);
      mine.replaceChildren(h('h3', {}, 'My requests'),
        list.length ? h('ul', {class: 'cards', id: 'my-searches'}, ...list.map(searchCard)) : h('p', {}, 'No requests yet.'));
    } catch (e) {
      mine.replaceChildren(h('h3', {}, 'My requests'), notice('error', errorText(e)));
    }
  }

  submit.addEventListener('click', async () => {
    const a = chosen();
    if (!a || !image) return;
    submit.disabled = true;
    resultMsg.replaceChildren(notice('info', 'Searching…'));
    try {
      const s = await api.identify(a.id, gallerySel.value, image);
      searched = image;
      const st = searchStatusText(s);
      resultMsg.replaceChildren(notice('ok', `Request ${s.id} recorded — ${st.title}. ${st.detail}`));
      await loadMine();
      await loadAuths();
    } catch (e) {
      resultMsg.replaceChildren(notice('error', 'Search refused: ' + errorText(e)));
      submit.disabled = false;
    }
  });

  clear(root);
  root.append(h('h2', {}, 'Request a search'),
    trainingLapsed ? notice('error', `Your training expired on ${fmtTime(me.training_expires_at)}. You cannot request searches until it is renewed.`) : '',
    authBox,
    h('div', {class: 'field'}, h('label', {for: 'gallery'}, 'Gallery'), gallerySel),
    cap.root,
    h('div', {class: 'submit'}, submit, submitMsg, resultMsg),
    mine);
  void loadAuths();
  void loadMine();
  poll = window.setInterval(loadMine, 5000);
  return () => { window.clearInterval(poll); cap.stop(); };
}
