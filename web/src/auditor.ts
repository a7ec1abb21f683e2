// Auditor screen: the audit log's verification status (intact, or the entry
// where the chain breaks and why), the log itself page by page, and the
// transparency dashboard as bar charts. Shows counts and metadata only; the
// API gives auditors no biometric data and this screen asks for none.

import {Account, api, AuditEntry} from './api.js';
import {clear, errorText, fmtTime, h, notice} from './dom.js';

const PAGE = 50;

function label(k: string): string { return k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()); }

/** A horizontal bar chart of a {name: count} map, as accessible HTML (a table underneath). */
function barChart(title: string, data: Record<string, number>): HTMLElement {
  const entries = Object.entries(data).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map((e) => e[1]));
  return h('figure', {class: 'chart'},
    h('figcaption', {}, label(title)),
    entries.length === 0 ? h('p', {class: 'hint'}, 'None in this period.') :
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Category'), h('th', {scope: 'col'}, 'Count'))),
      h('tbody', {}, ...entries.map(([k, v]) => h('tr', {},
        h('th', {scope: 'row'}, k),
        h('td', {}, h('span', {class: 'bar', style: `width:${Math.max(2, (100 * v) / max)}%`, 'aria-hidden': 'true'}), h('span', {class: 'num'}, String(v))))))));
}

export function auditorView(_me: Account, root: HTMLElement): () => void {
  const status = h('div', {id: 'audit-status'});
  const log = h('div', {class: 'log'});
  const dash = h('div', {class: 'dashboard', id: 'transparency'});
  let nextSeq: number | undefined = 1;  // audit sequence numbers start at 1
  const rows = h('tbody');

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
    return h('tr', {'data-action': e.action},
      h('td', {}, String(e.seq)), h('td', {}, fmtTime(e.time)), h('td', {}, `${e.actor}${e.role ? ' (' + e.role + ')' : ''}`),
      h('td', {}, e.action), h('td', {}, e.authorization_id ?? ''), h('td', {}, e.gallery ?? ''),
      h('td', {}, e.candidates_returned !== undefined ? String(e.candidates_returned) : ''),
      h('td', {}, [e.decision, e.outcome, e.reason].filter(Boolean).join(' · ')));
  }

  const more = h('button', {type: 'button', class: 'secondary', onclick: () => loadMore()}, 'Load more') as HTMLButtonElement;
  async function loadMore(): Promise<void> {
    if (nextSeq === undefined || more.disabled) return;
    more.disabled = true;  // one page at a time: a second click must not load it twice
    try {
      const p = await api.audit(nextSeq, PAGE);
      for (const e of p.entries) rows.append(row(e));
      nextSeq = p.next_seq;
      more.hidden = nextSeq === undefined;
    } catch (e) {
      log.append(notice('error', errorText(e)));
    } finally {
      more.disabled = false;
    }
  }

  // The report's period: the last 30 days by default (UTC dates, end inclusive).
  const day = 86400e3;
  const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const fromIn = h('input', {id: 'tr-from', type: 'date', value: isoDate(Date.now() - 30 * day)}) as HTMLInputElement;
  const toIn = h('input', {id: 'tr-to', type: 'date', value: isoDate(Date.now())}) as HTMLInputElement;
  const period = h('form', {class: 'row period'},
    h('div', {class: 'field'}, h('label', {for: 'tr-from'}, 'From'), fromIn),
    h('div', {class: 'field'}, h('label', {for: 'tr-to'}, 'To (inclusive)'), toIn),
    h('button', {type: 'submit', class: 'secondary'}, 'Show report'));
  period.addEventListener('submit', (ev) => { ev.preventDefault(); void report(); });

  async function report(): Promise<void> {
    try {
      const from = new Date(fromIn.value + 'T00:00:00Z').getTime();
      const to = new Date(toIn.value + 'T00:00:00Z').getTime() + day;
      if (!(to > from)) { dash.replaceChildren(h('h3', {}, 'Transparency report'), period, notice('error', 'The end date must not be before the start date.')); return; }
      const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
      const t = await api.transparency(iso(from), iso(to));
      const tiles: HTMLElement[] = [];
      const charts: HTMLElement[] = [];
      for (const [k, v] of Object.entries(t)) {
        if (typeof v === 'number' && !/_ms$/.test(k)) tiles.push(h('div', {class: 'tile'}, h('span', {class: 'big'}, String(v)), h('span', {}, label(k))));
        else if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number')) charts.push(barChart(k, v as Record<string, number>));
      }
      const p = t.period as {from?: string; to?: string} | undefined;
      const span = p?.from ? `${fmtTime(p.from)} – ${fmtTime(p.to)}` : '';
      dash.replaceChildren(h('h3', {}, 'Transparency report'), period, span ? h('p', {}, 'Period ' + span) : '',
        h('div', {class: 'tiles'}, ...tiles), h('div', {class: 'charts'}, ...charts),
        h('p', {class: 'hint'}, 'Counts only: no biometric data and no subject identities.'));
    } catch (e) {
      dash.replaceChildren(h('h3', {}, 'Transparency report'), period, notice('error', errorText(e)));
    }
  }

  clear(root);
  root.append(h('h2', {}, 'Audit'), status,
    h('div', {class: 'row'}, h('button', {type: 'button', class: 'secondary', onclick: () => verify()}, 'Verify again')),
    log, dash);
  log.append(h('h3', {}, 'Audit log'), h('div', {class: 'table-wrap', tabindex: 0, 'aria-label': 'Audit log entries'},
    h('table', {id: 'audit-log'},
      h('thead', {}, h('tr', {}, ...['Seq', 'Time (UTC)', 'Who', 'Action', 'Authorization', 'Gallery', 'Candidates', 'Decision / outcome'].map((c) => h('th', {scope: 'col'}, c)))),
      rows)), more);
  void verify();
  void loadMore();
  void report();
  return () => undefined;
}
