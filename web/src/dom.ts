// Small DOM helpers: element creation without innerHTML (no injection from
// server strings), status messages announced to screen readers, and time text.

import {plainErrorText} from './messages.js';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function clear(el: Element): void { while (el.firstChild) el.firstChild.remove(); }

/** A live region; `kind` picks the colour and whether it interrupts (alert). */
export function notice(kind: 'info' | 'ok' | 'warn' | 'error', text: string): HTMLElement {
  return h('p', {class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status'}, text);
}

export function fmtTime(iso?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/:\d\dZ$/, 'Z');
}

/** "3 h 12 min left" / "overdue by 5 min". */
export function countdown(iso: string, now = Date.now()): {text: string; overdue: boolean} {
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const hh = Math.floor(abs / 3600000), mm = Math.floor((abs % 3600000) / 60000), ss = Math.floor((abs % 60000) / 1000);
  const t = hh > 0 ? `${hh} h ${mm} min` : mm > 0 ? `${mm} min ${ss} s` : `${ss} s`;
  return ms >= 0 ? {text: `${t} left`, overdue: false} : {text: `overdue by ${t}`, overdue: true};
}

/** A plain message for an error (messages.ts): never a bare code and server string. */
export function errorText(e: unknown): string { return plainErrorText(e); }

/**
 * A progress line for a slow request: "Searching… 4 s" with an indeterminate
 * progress bar, updated every half second; `stop()` removes the timer.
 */
export function progressNotice(what: string, detail = ''): {el: HTMLElement; stop(): void} {
  const t0 = Date.now();
  const text = h('span', {}, `${what}…`);
  const el = h('div', {class: 'notice info progress', role: 'status'}, text, ' ',
    h('progress', {'aria-label': what}), detail ? h('small', {class: 'hint'}, ' ' + detail) : '');
  const timer = window.setInterval(() => {
    const s = Math.round((Date.now() - t0) / 1000);
    text.textContent = s >= 1 ? `${what}… ${s} s` : `${what}…`;
    if (s >= 10) el.dataset.slow = 'true';
  }, 500);
  return {el, stop: () => window.clearInterval(timer)};
}

/** Moves focus to a view's heading so keyboard and screen-reader users land on it. */
export function focusHeading(root: Element): void {
  const hd = root.querySelector('h2, h1') as HTMLElement | null;
  if (hd) { hd.tabIndex = -1; hd.focus(); }
}
