// Supervisor panel: authorizations awaiting approval with everything needed
// to decide (basis, reference, issuing authority, case, purpose, galleries,
// search limit, expiry, requester), approve or deny with a note (never one you
// created), a message saying what was done; and exigent authorizations with a live countdown to their deadline
// for judicial backing (back with an active warrant or court order).

import {Account, api, Authorization} from './api.js';
import {countdown, errorText, fmtTime, h, notice} from './dom.js';
import {BASIS} from './labels.js';

export function supervisorPanel(me: Account): {root: HTMLElement; stop(): void} {
  const root = h('section', {class: 'supervisor', 'aria-labelledby': 'sup-h'}, h('h2', {id: 'sup-h'}, 'Authorizations'));
  const body = h('div');
  root.append(body);
  let tick = 0;

  function pendingRow(a: Authorization): HTMLElement {
    const msg = h('div', {'aria-live': 'polite'});
    const mine = a.created_by === me.username;
    const noteId = 'note-' + a.id;
    const note = h('textarea', {id: noteId, rows: 2, placeholder: 'Required to deny: why (recorded in the audit log)'}) as HTMLTextAreaElement;
    const dl = (pairs: [string, string][]) => h('dl', {class: 'facts'}, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    const buttons: HTMLButtonElement[] = [];
    const act = (what: 'approve' | 'deny') => async () => {
      if (what === 'deny' && !note.value.trim()) { msg.replaceChildren(notice('error', 'Say why it is denied (the note is recorded in the audit log).')); note.focus(); return; }
      for (const b of buttons) b.disabled = true;
      try {
        if (what === 'approve') {
          await api.approve(a.id);
          await load(`Approved ${a.id} (${BASIS[a.basis] ?? a.basis} ${a.reference ?? ''}, case ${a.case_id}): ${a.created_by} can now run up to ${a.max_searches} searches until ${fmtTime(a.expires_at)}.`);
        } else {
          await api.revoke(a.id, 'denied: ' + note.value.trim());
          await load(`Denied ${a.id} (case ${a.case_id}); ${a.created_by} sees it as denied. Your note is in the audit log.`);
        }
      } catch (e) {
        for (const b of buttons) b.disabled = mine;
        msg.replaceChildren(notice('error', errorText(e)));
      }
    };
    buttons.push(h('button', {type: 'button', class: 'confirm', disabled: mine, onclick: act('approve')}, 'Approve') as HTMLButtonElement,
      h('button', {type: 'button', class: 'reject', disabled: mine, onclick: act('deny')}, 'Deny') as HTMLButtonElement);
    return h('li', {class: 'auth-row', 'data-auth': a.id},
      h('strong', {}, `${BASIS[a.basis] ?? a.basis} ${a.reference ?? ''} · case ${a.case_id}`),
      dl([['Purpose', a.purpose ?? '—'], ['Issuing authority', a.issuing_authority ?? '—'],
        ['Galleries', a.galleries.join(', ')], ['Search limit', `${a.max_searches} search${a.max_searches === 1 ? '' : 'es'}`],
        ['Valid until', fmtTime(a.expires_at)], ['Requested by', `${a.created_by}, ${fmtTime(a.created_at)}`]]),
      mine ? h('p', {class: 'hint'}, 'You requested it: another supervisor must approve or deny it.')
        : h('div', {class: 'field'}, h('label', {for: noteId}, 'Note'), note),
      h('div', {class: 'row'}, ...buttons), msg);
  }

  function row(a: Authorization, judicial: Authorization[]): HTMLElement {
    const msg = h('div', {'aria-live': 'polite'});
    const li = h('li', {class: 'auth-row', 'data-auth': a.id},
      h('strong', {}, `${a.case_id} · ${BASIS[a.basis] ?? a.basis} · ${a.reference ?? ''}`), ' ',
      h('small', {}, `${a.status} · by ${a.created_by} · ${a.purpose ?? ''} · galleries ${a.galleries.join(', ')} · expires ${fmtTime(a.expires_at)}`));
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
      flash ? h('p', {class: 'notice ok', role: 'status', id: 'auth-flash'}, flash) : '',
      h('h3', {}, 'Awaiting approval'),
      pending.length ? h('ul', {class: 'cards', id: 'pending-auths'}, ...pending.map(pendingRow)) : h('p', {}, 'None.'),
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
