// The Candor web client's shell: sign in, then the screen for the account's
// role. The session token is kept in sessionStorage (this tab only) and
// dropped on sign-out or when the server says it is no longer valid.

import {Account, api, ApiError, setToken} from './api.js';
import {auditorView} from './auditor.js';
import {clear, errorText, focusHeading, fmtTime, h, notice} from './dom.js';
import {investigatorView} from './investigator.js';
import {reviewView} from './review.js';
import {supervisorPanel} from './supervisor.js';

const main = document.getElementById('main')!;
const who = document.getElementById('who')!;
let teardown: () => void = () => undefined;

function signInView(message?: string): void {
  teardown(); teardown = () => undefined;
  clear(who);
  const user = h('input', {id: 'username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none'}) as HTMLInputElement;
  const pass = h('input', {id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true}) as HTMLInputElement;
  const msg = h('div', {'aria-live': 'assertive'}, message ? notice('error', message) : '');
  const form = h('form', {class: 'signin'},
    h('h2', {}, 'Sign in'),
    h('div', {class: 'field'}, h('label', {for: 'username'}, 'Username'), user),
    h('div', {class: 'field'}, h('label', {for: 'password'}, 'Password'), pass),
    h('button', {type: 'submit'}, 'Sign in'), msg,
    h('p', {class: 'hint'}, 'Every action you take is recorded in a tamper-evident audit log.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren(notice('info', 'Signing in…'));
    try {
      const s = await api.signIn(user.value.trim(), pass.value);
      setToken(s.token);
      sessionStorage.setItem('candor.token', s.token);
      home(s.account);
    } catch (e) {
      msg.replaceChildren(notice('error', e instanceof ApiError && e.status === 401 ? 'Wrong username or password, or the account is disabled.' : errorText(e)));
      pass.value = ''; pass.focus();
    }
  });
  clear(main);
  main.append(form);
  user.focus();
}

async function signOut(): Promise<void> {
  try { await api.signOut(); } catch { /* the token is dropped anyway */ }
  setToken(''); sessionStorage.removeItem('candor.token');
  signInView();
}

function home(me: Account): void {
  teardown();
  const lapsed = new Date(me.training_expires_at).getTime() < Date.now();
  who.replaceChildren(h('span', {id: 'whoami'}, `${me.username} · ${me.role}`),
    lapsed ? h('span', {class: 'badge warn'}, 'training lapsed') : '',
    h('button', {type: 'button', class: 'secondary', id: 'signout', onclick: () => signOut()}, 'Sign out'));
  clear(main);
  const view = h('div', {class: 'view', 'data-role': me.role});
  main.append(view);
  switch (me.role) {
    case 'investigator': teardown = investigatorView(me, view); break;
    case 'examiner': teardown = reviewView(me, view); break;
    case 'supervisor': {
      const sup = supervisorPanel(me);
      const rv = h('div');
      view.append(sup.root, rv);
      const stop = reviewView(me, rv);
      teardown = () => { sup.stop(); stop(); };
      break;
    }
    case 'auditor': teardown = auditorView(me, view); break;
    default:
      view.append(h('h2', {}, 'Nothing to do here'),
        notice('warn', `The ${me.role} role has no screen in this client: searches need an investigator, reviews an examiner or supervisor, the audit log an auditor. Administration is done with the candor CLI.`),
        h('p', {}, `Training valid until ${fmtTime(me.training_expires_at)}.`));
      teardown = () => undefined;
  }
  focusHeading(view);
}

window.addEventListener('unhandledrejection', (ev) => {
  if (ev.reason instanceof ApiError && ev.reason.status === 401) signInView('Your session has ended. Sign in again.');
});

async function start(): Promise<void> {
  const t = sessionStorage.getItem('candor.token');
  if (!t) { signInView(); return; }
  setToken(t);
  try { home(await api.whoami()); } catch { setToken(''); sessionStorage.removeItem('candor.token'); signInView(); }
}
void start();
