// Auditor screen, two views: the audit log (its chain verified, newest first,
// filtered by user, action, outcome and date, page by page) and the
// transparency report (its own view: a period, tiles and SVG bar charts with
// human labels, each chart also a table for screen readers). Counts and
// metadata only: the API gives auditors no biometric data and this screen
// asks for none. Paging does not add audit entries (the server audits a query
// once, at its first page); each query, verification and report does.

import {Account, api, AuditEntry, AuditFilter} from './api.js';
import {clear, errorText, fmtTime, h, notice} from './dom.js';

const PAGE = 50;
const SVG = 'http://www.w3.org/2000/svg';

/** Human labels for the report's keys and categories. */
const LABELS: Record<string, string> = {
  searches: 'Search requests', refused: 'Searches refused', signins_refused: 'Sign-ins refused',
  leads_released: 'Leads released', searches_purged_by_retention: 'Purged at the end of retention',
  'exigent.searches': 'Exigent searches', 'exigent.later_authorized': 'Exigent, later backed by a judge',
  'exigent.purged': 'Exigent, purged (not backed in time)', 'exigent.pending': 'Exigent, awaiting backing',
  'reviews.confirm': 'Reviews: confirmed', 'reviews.reject': 'Reviews: rejected',
  by_legal_basis: 'Searches by legal basis', by_gallery: 'Searches by gallery', by_outcome: 'Searches by outcome',
  by_role: 'Requests by role of the requester', refusals_by_reason: 'Refusals by reason',
  warrant: 'Warrant', court_order: 'Court order', subpoena: 'Subpoena', consent: 'Consent', exigent: 'Exigent',
  consent_1to1: 'Consent (1:1 check)', no_candidate: 'No candidate above threshold', candidates: 'Candidates, under review',
  confirmed_lead: 'Confirmed lead (released)', pending: 'No result yet', investigator: 'Investigator',
  supervisor: 'Supervisor', examiner: 'Examiner', admin: 'Administrator',
};
const labelOf = (k: string) => LABELS[k] ?? k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
const label = labelOf;
/** The tiles' order: requests, refusals, outcomes, reviews, exigent, purges. */
const TILE_ORDER = ['searches', 'refused', 'signins_refused', 'leads_released', 'reviews.confirm', 'reviews.reject',
  'exigent.searches', 'exigent.later_authorized', 'exigent.pending', 'exigent.purged', 'searches_purged_by_retention'];

/** A horizontal bar chart (SVG) of a {name: count} map, with the same numbers as a table for screen readers. */
function barChart(key: string, data: Record<string, number>): HTMLElement {
  // Gallery names are names, not keys: shown as they are.
  const label = key === 'by_gallery' ? (k: string) => k : labelOf;
  const entries = Object.entries(data).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map((e) => e[1]));
  const fig = h('figure', {class: 'chart', 'data-chart': key}, h('figcaption', {}, label(key)));
  if (entries.length === 0) { fig.append(h('p', {class: 'hint'}, 'None in this period.')); return fig; }
  const rowH = 28, labelW = 210, barW = 260, W = labelW + barW + 50;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${entries.length * rowH + 4}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'bars');
  entries.forEach(([k, v], i) => {
    const y = i * rowH + 2;
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', String(labelW - 8)); t.setAttribute('y', String(y + 18)); t.setAttribute('text-anchor', 'end');
    t.textContent = label(k).length > 30 ? label(k).slice(0, 29) + '…' : label(k);
    const r = document.createElementNS(SVG, 'rect');
    r.setAttribute('x', String(labelW)); r.setAttribute('y', String(y + 4)); r.setAttribute('height', '18'); r.setAttribute('rx', '2');
    r.setAttribute('width', String(Math.max(2, (barW * v) / max)));
    const n = document.createElementNS(SVG, 'text');
    n.setAttribute('x', String(labelW + Math.max(2, (barW * v) / max) + 6)); n.setAttribute('y', String(y + 18));
    n.textContent = String(v);
    svg.append(t, r, n);
  });
  fig.append(svg, h('table', {class: 'visually-hidden'},
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Category'), h('th', {scope: 'col'}, 'Count'))),
    h('tbody', {}, ...entries.map(([k, v]) => h('tr', {}, h('th', {scope: 'row'}, label(k)), h('td', {}, String(v)))))));
  return fig;
}

const ACTIONS: [string, string][] = [
  ['', 'Any action'], ['auth', 'Sign-in and tokens (auth.*)'], ['account', 'Accounts'], ['authorization', 'Authorizations'],
  ['search', 'Searches and reviews (search.*)'], ['lead', 'Lead releases'], ['quality', 'Photo quality checks'],
  ['gallery', 'Gallery changes'], ['audit', 'Audit log reads'], ['report', 'Reports'], ['purge', 'Purges'],
];

function logView(): HTMLElement {
  const status = h('div', {id: 'audit-status'});
  const rows = h('tbody');
  const info = h('p', {class: 'hint', id: 'audit-range', 'aria-live': 'polite'});
  const user = h('input', {id: 'f-user', autocomplete: 'off', autocapitalize: 'none', placeholder: 'any'}) as HTMLInputElement;
  const action = h('select', {id: 'f-action'}, ...ACTIONS.map(([v, t]) => h('option', {value: v}, t))) as HTMLSelectElement;
  const outcome = h('select', {id: 'f-outcome'}, h('option', {value: ''}, 'Any outcome'),
    h('option', {value: 'refused'}, 'Refused'), h('option', {value: 'allowed'}, 'Allowed')) as HTMLSelectElement;
  const since = h('input', {id: 'f-since', type: 'date'}) as HTMLInputElement;
  const until = h('input', {id: 'f-until', type: 'date'}) as HTMLInputElement;
  const field = (id: string, text: string, el: HTMLElement) => h('div', {class: 'field'}, h('label', {for: id}, text), el);
  const filters = h('form', {class: 'filters', id: 'audit-filters'},
    field('f-user', 'User', user), field('f-action', 'Action', action), field('f-outcome', 'Outcome', outcome),
    field('f-since', 'From (UTC date)', since), field('f-until', 'To (inclusive)', until),
    h('div', {class: 'row'}, h('button', {type: 'submit'}, 'Apply filters'),
      h('button', {type: 'button', class: 'secondary', onclick: () => { (filters as HTMLFormElement).reset(); void query(); }}, 'Clear')));
  const older = h('button', {type: 'button', class: 'secondary', id: 'audit-older'}, 'Older entries') as HTMLButtonElement;
  const newer = h('button', {type: 'button', class: 'secondary', id: 'audit-newer'}, 'Newer entries') as HTMLButtonElement;
  // Cursors of the pages seen (to_seq of each; undefined for the newest page).
  let cursors: (number | undefined)[] = [undefined];
  let page = 0, next: number | undefined, total = 0, shown = 0;
  let current: AuditFilter = {};

  async function verify(): Promise<void> {
    status.replaceChildren(notice('info', 'Verifying the audit chain…'));
    try {
      const v = await api.auditVerify();
      status.replaceChildren(v.intact
        ? h('p', {class: 'notice ok verify', role: 'status', 'data-intact': 'true'},
            `Audit log intact: ${v.entries} entries, hash chain and ${v.checkpoints ?? 0} signed checkpoint(s) verified.`)
        : h('p', {class: 'notice error verify', role: 'alert', 'data-intact': 'false'},
            `Audit log BROKEN at entry ${v.break_at_seq ?? '?'}: ${v.problem ?? 'unknown problem'}. ${v.entries} entries read.`));
    } catch (e) {
      status.replaceChildren(notice('error', 'Cannot verify: ' + errorText(e)));
    }
  }

  function row(e: AuditEntry): HTMLElement {
    const refused = e.decision === 'deny' || e.outcome === 'refused';
    return h('tr', {'data-action': e.action, 'data-actor': e.actor, class: refused ? 'refused' : ''},
      h('td', {}, String(e.seq)), h('td', {}, fmtTime(e.time)), h('td', {}, `${e.actor}${e.role ? ' (' + e.role + ')' : ''}`),
      h('td', {}, e.action), h('td', {}, refused ? 'Refused' : (e.outcome || e.decision || '')),
      h('td', {}, [e.authorization_id, e.gallery, e.candidates_returned !== undefined ? `${e.candidates_returned} candidate(s)` : ''].filter(Boolean).join(' · ')),
      h('td', {class: 'reason'}, e.reason ?? ''));
  }

  async function load(): Promise<void> {
    for (const b of [older, newer]) b.disabled = true;
    try {
      const p = await api.audit({...current, order: 'desc', limit: PAGE, to_seq: cursors[page]});
      rows.replaceChildren(...p.entries.map(row));
      // Pin the newest page to what this query found, so that coming back to
      // it is a continuation of the query (not audited again), like the others.
      if (page === 0 && cursors[0] === undefined && p.entries.length) cursors[0] = p.entries[0].seq;
      next = p.next_seq; total = p.total ?? p.entries.length; shown = p.entries.length;
      const first = page * PAGE + 1;
      info.textContent = total === 0 ? 'No entry matches these filters.'
        : `Entries ${first}–${first + shown - 1} of ${total} matching, newest first.`;
      older.disabled = next === undefined; newer.disabled = page === 0;
    } catch (e) {
      info.replaceChildren(notice('error', errorText(e)));
    }
  }

  async function query(): Promise<void> {
    const day = (d: string, plus = 0) => new Date(new Date(d + 'T00:00:00Z').getTime() + plus).toISOString().replace(/\.\d+Z$/, 'Z');
    current = {};
    if (user.value.trim()) current.actor = user.value.trim();
    if (action.value) current.action = action.value;
    if (outcome.value) current.outcome = outcome.value;
    if (since.value) current.since = day(since.value);
    if (until.value) current.until = day(until.value, 86400e3);
    cursors = [undefined]; page = 0;
    await load();
  }
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); void query(); });
  older.addEventListener('click', () => { if (next === undefined) return; cursors[page + 1] = next; page++; void load(); });
  newer.addEventListener('click', () => { if (page === 0) return; page--; void load(); });

  const root = h('section', {id: 'audit-view', 'aria-labelledby': 'audit-h'},
    h('h3', {id: 'audit-h'}, 'Audit log'), status,
    h('div', {class: 'row'}, h('button', {type: 'button', class: 'secondary', onclick: () => verify()}, 'Verify again')),
    filters, info,
    h('div', {class: 'table-wrap', tabindex: 0, 'aria-label': 'Audit log entries'},
      h('table', {id: 'audit-log'},
        h('thead', {}, h('tr', {}, ...['Seq', 'Time (UTC)', 'Who', 'Action', 'Outcome', 'Authorization · gallery', 'Detail'].map((c) => h('th', {scope: 'col'}, c)))),
        rows)),
    h('div', {class: 'row pager'}, newer, older),
    h('p', {class: 'hint'}, 'Opening this view, verifying and each filter you apply are recorded in the audit log (once per query); turning pages is not.'));
  void verify();
  void query();
  return root;
}

function transparencyView(): HTMLElement {
  const dash = h('div', {class: 'dashboard', id: 'transparency'});
  const day = 86400e3;
  const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const fromIn = h('input', {id: 'tr-from', type: 'date', value: isoDate(Date.now() - 30 * day)}) as HTMLInputElement;
  const toIn = h('input', {id: 'tr-to', type: 'date', value: isoDate(Date.now())}) as HTMLInputElement;
  const period = h('form', {class: 'row period'},
    h('div', {class: 'field'}, h('label', {for: 'tr-from'}, 'From'), fromIn),
    h('div', {class: 'field'}, h('label', {for: 'tr-to'}, 'To (inclusive)'), toIn),
    h('button', {type: 'submit', class: 'secondary'}, 'Show report'));
  const out = h('div');
  period.addEventListener('submit', (ev) => { ev.preventDefault(); void report(); });

  async function report(): Promise<void> {
    try {
      const from = new Date(fromIn.value + 'T00:00:00Z').getTime();
      const to = new Date(toIn.value + 'T00:00:00Z').getTime() + day;
      if (!(to > from)) { out.replaceChildren(notice('error', 'The end date must not be before the start date.')); return; }
      const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
      const t = await api.transparency(iso(from), iso(to));
      const tiles: HTMLElement[] = [];
      const charts: HTMLElement[] = [];
      const tile = (k: string, v: number) => tiles.push(h('div', {class: 'tile', 'data-key': k}, h('span', {class: 'big'}, String(v)), h('span', {}, label(k))));
      for (const [k, v] of Object.entries(t)) {
        if (typeof v === 'number') tile(k, v);
        else if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number')) {
          if (k === 'exigent' || k === 'reviews') for (const [kk, vv] of Object.entries(v as Record<string, number>)) tile(`${k}.${kk}`, vv);
          else charts.push(barChart(k, v as Record<string, number>));
        }
      }
      const rank = (el: HTMLElement) => { const i = TILE_ORDER.indexOf(el.dataset.key ?? ''); return i < 0 ? 99 : i; };
      tiles.sort((a, b) => rank(a) - rank(b));
      const p = t.period as {from?: string; to?: string} | undefined;
      out.replaceChildren(p?.from ? h('p', {}, `Period ${fmtTime(p.from)} – ${fmtTime(p.to)}`) : '',
        h('div', {class: 'tiles'}, ...tiles), h('div', {class: 'charts'}, ...charts),
        h('p', {class: 'hint'}, 'Counts only: no biometric data and no subject identities. "Searches refused" counts search requests the policy refused; refused sign-ins are counted apart.'));
    } catch (e) {
      out.replaceChildren(notice('error', errorText(e)));
    }
  }
  dash.append(h('h3', {}, 'Transparency report'), period, out);
  void report();
  return dash;
}

export function auditorView(_me: Account, root: HTMLElement): () => void {
  const body = h('div');
  const tabs: [string, string, () => HTMLElement][] = [['log', 'Audit log', logView], ['report', 'Transparency report', transparencyView]];
  const nav = h('nav', {class: 'tabs', 'aria-label': 'Auditor views'});
  function show(id: string): void {
    for (const b of nav.querySelectorAll('button')) b.setAttribute('aria-current', String(b.dataset.view === id));
    const t = tabs.find((x) => x[0] === id)!;
    body.replaceChildren(t[2]());
  }
  for (const [id, text] of tabs) nav.append(h('button', {type: 'button', class: 'tab', 'data-view': id, onclick: () => show(id)}, text));
  clear(root);
  root.append(h('h2', {}, 'Audit'), nav, body);
  show('log');
  return () => undefined;
}
