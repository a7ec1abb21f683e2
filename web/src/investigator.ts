// Investigator screen: pick a usable authorization (or see why none is, or
// request one), capture or upload a probe with live quality feedback, submit a
// 1:N search and follow its status (the two-person review) until a lead is
// released. The form keeps its authorization and gallery after a search, and
// remembers them for this user in this browser.

import {Account, api, Authorization, Lead, QualityReport, Search} from './api.js';
import {captureWidget} from './capture.js';
import {clear, errorText, fmtTime, h, notice, progressNotice} from './dom.js';
import {authorizationState, BASIS, LEAD_LABEL, searchStatusText, twoPersonText} from './labels.js';
import {requestForm} from './request_auth.js';

interface Prefs { auth?: string; gallery?: string; }

export function investigatorView(me: Account, root: HTMLElement): () => void {
  const trainingLapsed = new Date(me.training_expires_at).getTime() < Date.now();
  const prefKey = 'candor.prefs.' + me.username;
  const loadPrefs = (): Prefs => { try { return JSON.parse(localStorage.getItem(prefKey) ?? '{}') as Prefs; } catch { return {}; } };
  const savePrefs = (p: Prefs) => { try { localStorage.setItem(prefKey, JSON.stringify(p)); } catch { /* private mode */ } };
  let prefs = loadPrefs();

  const authBox = h('fieldset', {class: 'auths'}, h('legend', {}, 'Authorization'));
  const gallerySel = h('select', {id: 'gallery'}) as HTMLSelectElement;
  const submit = h('button', {type: 'button', id: 'submit-search', disabled: true}, 'Search for investigative leads') as HTMLButtonElement;
  const submitMsg = h('div', {'aria-live': 'polite'});
  // The outcome of the last search request; kept apart from the "why not" hint,
  // which update() rewrites whenever the form changes.
  const resultMsg = h('div', {'aria-live': 'polite', id: 'search-result'});
  const mine = h('section', {class: 'mine', 'aria-labelledby': 'mine-h'});
  let auths: Authorization[] = [];
  const leads = new Map<string, Lead>();
  let image: string | null = null;
  let report: QualityReport | null = null;
  // The photo of the last recorded search: a second click would search the
  // same photo again and use up one more of the authorization's searches.
  let searched: string | null = null;
  let poll = 0;

  const cap = captureWidget((img, r) => { image = img; report = r; update(); });
  // Each gallery's modality: a fingerprint gallery takes a print file as it is.
  const modalities = new Map<string, 'face' | 'finger'>();
  void api.galleries().then((r) => {
    for (const g of r.galleries) modalities.set(g.name, g.modality ?? 'face');
    update();
  }).catch(() => { /* listed galleries are shown anyway; faces by default */ });

  function chosen(): Authorization | undefined {
    const el = authBox.querySelector('input[name=auth]:checked') as HTMLInputElement | null;
    return auths.find((a) => a.id === el?.value);
  }

  function update(): void {
    const a = chosen();
    const prev = gallerySel.value || prefs.gallery || '';
    clear(gallerySel);
    for (const g of a?.galleries ?? []) gallerySel.append(h('option', {value: g}, g));
    if (a?.galleries.includes(prev)) gallerySel.value = prev;
    if (a) { prefs = {auth: a.id, gallery: gallerySel.value}; savePrefs(prefs); }
    cap.setModality(modalities.get(gallerySel.value) ?? 'face');
    let why = '';
    if (trainingLapsed) why = 'Your training has lapsed: searches are refused until it is renewed.';
    else if (!a) why = auths.some((x) => x.usable) ? 'Choose the authorization this search is made under (above).' : 'You need a usable authorization first (request one above).';
    else if (!image) why = 'Take or upload a photo.';
    else if (!report?.usable) why = 'The photo is not usable yet (see the feedback above).';
    else if (image === searched) why = 'This photo has been searched (see My requests). Take or upload another photo to search again.';
    submit.disabled = why !== '';
    submit.setAttribute('aria-describedby', 'submit-why');
    submitMsg.replaceChildren(why ? h('p', {id: 'submit-why', class: 'hint'}, why) : '');
  }
  gallerySel.addEventListener('change', () => update());

  async function loadAuths(): Promise<void> {
    const keep = chosen()?.id ?? prefs.auth;
    let list: Authorization[];
    try {
      list = (await api.authorizations()).authorizations;
    } catch (e) {
      authBox.replaceChildren(h('legend', {}, 'Authorization'), notice('error', 'Cannot load authorizations: ' + errorText(e)));
      return;
    }
    auths = list;
    authBox.replaceChildren(h('legend', {}, 'Authorization'));
    if (auths.length === 0) {
      authBox.append(notice('warn', 'No authorization is recorded for you. A search needs a warrant, court order, subpoena or consent approved by a supervisor: request one below.'));
    }
    const usable = auths.filter((a) => a.usable);
    if (auths.length > 0 && usable.length === 0) {
      authBox.append(notice('warn', 'None of your authorizations is usable now; each one says why below.'));
    }
    // Usable first, then pending, then the rest; newest first within each.
    const rank = (a: Authorization) => (a.usable ? 0 : a.status === 'pending' ? 1 : 2);
    const sorted = [...auths].sort((a, b) => rank(a) - rank(b) || (b.created_at ?? '').localeCompare(a.created_at ?? ''));
    for (const a of sorted) {
      const id = 'auth-' + a.id;
      const reason = authorizationState(a);
      authBox.append(h('div', {class: 'auth' + (a.usable ? '' : ' unusable'), 'data-status': a.status},
        h('input', {type: 'radio', name: 'auth', id, value: a.id, disabled: !a.usable, onchange: () => update()}),
        h('label', {for: id},
          h('strong', {}, `${a.case_id} · ${BASIS[a.basis] ?? a.basis} ${a.reference ?? ''}`), h('br'),
          h('span', {}, `${a.purpose ?? ''}${a.issuing_authority ? ' · ' + a.issuing_authority : ''}`), h('br'),
          h('small', {}, `Galleries: ${a.galleries.join(', ')} · ${a.searches_used} of ${a.max_searches} searches used · until ${fmtTime(a.expires_at)}`),
          reason ? h('span', {class: a.status === 'pending' ? 'why pending' : 'why'}, ' ' + reason) : '')));
    }
    const pick = (authBox.querySelector(`input[name=auth][value="${CSS.escape(keep ?? '')}"]:not([disabled])`)
      ?? (usable.length === 1 ? authBox.querySelector('input[name=auth]:not([disabled])') : null)) as HTMLInputElement | null;
    if (pick) pick.checked = true;
    update();
  }

  function leadText(s: Search, l: Lead): HTMLElement {
    const by = [...new Set((l.reviews ?? []).filter((r) => r.decision === 'confirm').map((r) => `${r.reviewer}${r.reviewer_role ? ' (' + r.reviewer_role + ')' : ''}`))];
    const subjects = l.confirmed_subject_ids.join(', ') || 'no subject';
    return h('div', {class: 'lead-text'},
      h('p', {}, h('strong', {}, `Lead: ${subjects}`)),
      h('p', {}, `The enrolment record ${l.confirmed_subject_ids.length > 1 ? 'ids' : 'id'} of gallery "${s.gallery}" that two reviewers found consistent with your probe` +
        (by.length ? ` (${by.join(' and ')})` : '') + '. Look the record up in the gallery\'s source system and corroborate it independently: it is not an identification.'));
  }

  function searchCard(s: Search): HTMLElement {
    const st = searchStatusText(s);
    const tp = twoPersonText(s);
    const card = h('li', {class: 'search-card', 'data-status': s.status, 'data-search': s.id},
      h('strong', {}, st.title), ' ', h('small', {}, `${s.case_id ?? ''} · ${s.gallery} · ${fmtTime(s.created_at)} · ref ${s.id}`),
      h('p', {}, st.detail),
      tp.text && s.status === 'pending_review' ? h('p', {class: 'two-person', 'data-confirmations': String(s.review_state?.confirmations ?? 0)}, tp.text) : '');
    if (s.status === 'lead_released') {
      const leadBox = h('div', {class: 'lead'});
      card.append(leadBox);
      const show = (l: Lead) => leadBox.replaceChildren(leadText(s, l));
      // Each release is an audited access: fetch a lead once, not at every refresh.
      const known = leads.get(s.id);
      if (known) show(known);
      else api.lead(s.id).then((l) => { leads.set(s.id, l); show(l); })
        .catch((e) => leadBox.replaceChildren(notice('error', errorText(e))));
    }
    return card;
  }

  async function loadMine(): Promise<void> {
    const head = [h('h3', {id: 'mine-h'}, 'My requests')];
    try {
      // Newest first (the server lists oldest first).
      const list = (await api.searches()).searches.map((x, i) => ({x, i}))
        .sort((a, b) => (Date.parse(b.x.created_at) - Date.parse(a.x.created_at)) || b.i - a.i).map((e) => e.x);
      const withLeads = list.some((s) => s.status !== 'no_candidate' && s.status !== 'refused');
      mine.replaceChildren(...head, withLeads ? h('p', {class: 'label-lead', role: 'note'}, LEAD_LABEL) : '',
        list.length ? h('ul', {class: 'cards', id: 'my-searches'}, ...list.map(searchCard)) : h('p', {}, 'No requests yet.'));
    } catch (e) {
      mine.replaceChildren(...head, notice('error', errorText(e)));
    }
  }

  submit.addEventListener('click', async () => {
    const a = chosen();
    if (!a || !image) return;
    submit.disabled = true;
    const kb = Math.round((image.length * 3) / 4 / 1024);
    const p = progressNotice('Searching', `Sending the photo (${kb} kB), then matching it against ${gallerySel.value}.`);
    resultMsg.replaceChildren(p.el);
    try {
      const s = await api.identify(a.id, gallerySel.value, image);
      searched = image;
      const st = searchStatusText(s);
      resultMsg.replaceChildren(notice('ok', `Request ${s.id} recorded — ${st.title}. ${st.detail}`));
      await loadMine();
      await loadAuths();
    } catch (e) {
      resultMsg.replaceChildren(notice('error', 'Search refused: ' + errorText(e)));
      update();
    } finally {
      p.stop();
    }
  });

  clear(root);
  root.append(h('h2', {}, 'Request a search'),
    trainingLapsed ? notice('error', `Your training expired on ${fmtTime(me.training_expires_at)}. You cannot request searches until it is renewed.`) : '',
    h('div', {class: 'col'},
      authBox,
      requestForm(() => void loadAuths()),
      h('div', {class: 'field'}, h('label', {for: 'gallery'}, 'Gallery'), gallerySel)),
    h('div', {class: 'col'},
      cap.root,
      h('div', {class: 'submit'}, submit, submitMsg, resultMsg)),
    mine);
  void loadAuths();
  void loadMine();
  poll = window.setInterval(loadMine, 5000);
  return () => { window.clearInterval(poll); cap.stop(); };
}
