// The API client of the web map: the key (from ?key=... once, then localStorage), JSON
// calls that turn RFC 9457 problems into readable errors, and downloads that carry the key.

const KEY_STORE = 'hexbeat.apiKey';

export function takeKeyFromURL() {
  const params = new URLSearchParams(location.search);
  if (params.get('key')) {
    localStorage.setItem(KEY_STORE, params.get('key'));
    params.delete('key');
    history.replaceState(null, '', location.pathname + (params.toString() ? '?' + params : ''));
  }
}

export function setKey(key) {
  if (key) localStorage.setItem(KEY_STORE, key);
  else localStorage.removeItem(KEY_STORE);
}

// csrf is a signed-in session's token (from /api/v1/status), which every write carries;
// the session itself travels in its HttpOnly cookie, never in the page.
let csrf = '';
export function setCSRF(token) { csrf = token || ''; }

function headers(extra = {}, method = 'GET') {
  const h = { ...extra };
  const key = localStorage.getItem(KEY_STORE);
  if (key) h.Authorization = 'Bearer ' + key;
  if (csrf && method !== 'GET') h['X-CSRF-Token'] = csrf;
  return h;
}

// signInConfig says whether the server signs people in through the force's identity
// provider, and where.
export async function signInConfig() {
  try { return await (await fetch('/auth/config')).json(); } catch { return {}; }
}

// signOut ends a signed-in session (and the provider's, where it offers that).
export async function signOut() {
  const res = await fetch('/auth/logout', { method: 'POST', headers: headers({}, 'POST') });
  const r = res.ok ? await res.json() : { next: '/' };
  location.assign(r.next || '/');
}

let inflight = 0;
const busyListeners = [];
export function onBusy(fn) { busyListeners.push(fn); }
function busy(delta) {
  inflight += delta;
  busyListeners.forEach((fn) => fn(inflight > 0));
}

async function problem(res) {
  let detail = res.statusText;
  try {
    const p = await res.json();
    detail = (p.detail || p.title) + (p.errors ? ': ' + p.errors.map((e) => `${e.field} ${e.message}`).join('; ') : '');
  } catch { /* not problem+json */ }
  const err = new Error(detail);
  err.status = res.status;
  return err;
}

// request calls the API and returns the parsed JSON (or throws an Error with .status).
export async function request(path, { method = 'GET', body } = {}) {
  busy(1);
  try {
    const init = { method, headers: headers(body ? { 'Content-Type': 'application/json' } : {}, method) };
    if (body) init.body = JSON.stringify(body);
    const res = await fetch(path, init);
    if (!res.ok) throw await problem(res);
    return await res.json();
  } finally {
    busy(-1);
  }
}

// upload sends a file as the body of a POST (an import) and returns the parsed JSON.
export async function upload(path, file) {
  busy(1);
  try {
    const res = await fetch(path, { method: 'POST', headers: headers({ 'Content-Type': 'application/octet-stream' }, 'POST'), body: file });
    if (!res.ok) throw await problem(res);
    return await res.json();
  } finally {
    busy(-1);
  }
}

export const api = (path) => request(path);
export const post = (path, body) => request(path, { method: 'POST', body });

// download fetches path with the key and saves it under the name the server gives.
export async function download(path, fallbackName) {
  busy(1);
  try {
    const res = await fetch(path, { headers: headers() });
    if (!res.ok) throw await problem(res);
    const cd = res.headers.get('Content-Disposition') || '';
    const m = /filename="([^"]+)"/.exec(cd);
    saveBlob(await res.blob(), m ? m[1] : fallbackName);
  } finally {
    busy(-1);
  }
}

export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// authHeader is the header MapLibre's own requests (vector tiles) need.
export function authHeader() { return headers(); }
