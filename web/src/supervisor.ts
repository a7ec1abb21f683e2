// Supervisor panel: authorizations awaiting approval (approve; never one you
// created) and exigent authorizations with a live countdown to their deadline
// for judicial backing (back with an active warrant or court order).

import {Account, api, Authorization} from './api.js';
import {countdown, errorText, fmtTime, h, notice} from './dom.js';

export function supervisorPanel(me: Account): {root: HTMLElement; stop(): void} {
  const root = h('section', {class: 'supervisor', 'aria-labelledby': 'sup-h'}, h('h2', {id: 'sup-h'}, 'Authorizations'));
  const body = h('div');
  root.append(body);
  let tick = 0;

  function row(a: Authorization, judicial: Authorization[]): HTMLElement {
    const msg = h('div', {'aria-live': 'polite'});
    const li = h('li', {class: 'auth-row', 'data-auth': a.id},
      h('strong', {}, `${a.case_id} · ${a.basis.replace('_', ' ')} · ${a.reference ?? ''}`), ' ',
      h('small', {}, `${a.status} · by ${a.created_by} · galleries ${a.galleries.join(', ')} · expires ${fmtTime(a.expires_at)}`));
    if (a.status === 'pending') {
      const mine = a.created_by === me.username;
      li.append(h('button', {type: 'button', disabled: mine, onclick: async () => {
        try { await api.approve(a.id); await load(); } catch (e) { msg.replaceChildren(notice('error', errorText(e))); }
      }}, 'Approve'), mine ? h('span', {class: 'hint'}, ' You created it: another supervisor must approve.') : '');
    }
    if (a.basis === 'exigent' && a.exigent_deadline && !a.backed_by && a.status === 'active') {
      // The server accepts only an active warrant or court order of the same case.
      const sameCase = judicial.filter((j) => j.case_id === a.case_id);
      const cd = h('span', {class: 'countdown', 'data-deadline': a.exigent_deadline});
      const sel = h('select', {id: 'back-' + a.id}, ...sameCase.map((j) => h('option', {value: j.id}, `${j.basis.replace('_', ' ')} ${j.reference ?? ''} (${j.issuing_authority ?? ''}) · ${j.id}`))) as HTMLSelectElement;
      li.append(h('p', {class: 'deadline'}, 'Judicial backing due ', h('time', {datetime: a.exigent_deadline}, fmtTime(a.exigent_deadline)), ': ', cd),
        sameCase.length
          ? h('div', {class: 'row'}, h('label', {for: 'back-' + a.id}, 'Back with'), sel,
              h('button', {type: 'button', onclick: async () => {
                try {
                  await api.back(a.id, sel.value);
                  await load(`Exigent authorization ${a.id} (${a.case_id}) is now backed by ${sel.value}: its searches are kept under the normal retention.`);
                } catch (e) { msg.replaceChildren(notice('error', errorText(e))); }
              }}, 'Record backing'))
          : h('p', {class: 'hint'}, `No active warrant or court order for case ${a.case_id} to back it with yet: record one (and have it approved), or its probes and results are purged at the deadline.`));
    } else if (a.backed_by) {
      li.append(h('p', {class: 'backed'}, `Backed by ${a.backed_by}.`));
    }
    li.append(msg);
    return li;
  }

  function paint(): void {
    for (const el of root.querySelectorAll<HTMLElement>('.countdown')) {
      const c = countdown(el.dataset.deadline!);
      el.textContent = c.text;
      el.classList.toggle('overdue', c.overdue);
    }
  }

  async function load(flash?: string): Promise<void> {
    let all: Authorization[];
    try { all = (await api.authorizations()).authorizations; } catch (e) { body.replaceChildren(notice('error', errorText(e))); return; }
    const pending = all.filter((a) => a.status === 'pending');
    const exigent = all.filter((a) => a.basis === 'exigent' && a.status === 'active');
    const open = exigent.filter((a) => !a.backed_by);
    const backed = exigent.filter((a) => a.backed_by);
    const judicial = all.filter((a) => (a.basis === 'warrant' || a.basis === 'court_order') && a.status === 'active');
    body.replaceChildren(
      flash ? notice('ok', flash) : '',
      h('h3', {}, 'Awaiting approval'),
      pending.length ? h('ul', {class: 'cards', id: 'pending-auths'}, ...pending.map((a) => row(a, judicial))) : h('p', {}, 'None.'),
      h('h3', {}, 'Exigent searches to resolve'),
      open.length ? h('ul', {class: 'cards', id: 'exigent-auths'}, ...open.map((a) => row(a, judicial))) : h('p', {}, 'None.'),
      backed.length ? h('h3', {}, 'Exigent authorizations backed') : '',
      backed.length ? h('ul', {class: 'cards', id: 'backed-auths'}, ...backed.map((a) => row(a, judicial))) : '');
    paint();
  }
  void load();
  tick = window.setInterval(paint, 1000);
  return {root, stop: () => window.clearInterval(tick)};
}
