// Small helpers of the page: element lookup, number formats, the status line and the
// details panel.
import { onBusy } from './api.js';
import { esc } from './charts.js';

export const $ = (id) => document.getElementById(id);
export const fmtP = (p) => (p == null ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));

export const fmt = (n, d = 0) => (n == null || Number.isNaN(n) ? '–' : Number(n).toLocaleString('en-GB', { maximumFractionDigits: d }));

export function setStatus(text, { error = false } = {}) {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', error);
}
onBusy((b) => $('status').classList.toggle('busy', b));

export function failed(what, e) {
  if (e.status === 401) { $('signin').hidden = false; $('signin').open = true; setStatus('An API key is needed: enter it under "Sign in".', { error: true }); return; }
  setStatus(`${what}: ${e.message}`, { error: true });
}

export function showInfo(html) {
  $('info-body').innerHTML = html;
  $('info').hidden = false;
}

export function closeInfo() { $('info').hidden = true; }

export const table = (rows) => `<table>${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${esc(v)}</td></tr>`).join('')}</table>`;

// localInput writes a time for a datetime-local input, in the browser's time zone.
export const localInput = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

// when writes an instant of the API as a person reads it.
export const when = (iso) => (iso ? iso.replace('T', ' ').replace(/:00Z$|Z$/, '') + ' UTC' : '–');
