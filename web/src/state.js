// The map's state and the URL that holds it: the layers shown and their order and opacity,
// the period (months or days), categories, resolution, method, weight and area; and the
// API queries they make.
import { LAYERS, map } from './layers.js';

export const ORDER = ['boundaries', 'dispro', 'change', 'emerging', 'kde', 'hotspots', 'outliers', 'authorisations', 'proposals', 'incidents', 'retailers', 'register', 'cameras'];

export const state = {
  status: null, unit: 'month', periods: [], fromI: 0, toI: 0, allCats: [], cats: [], res: 'auto', method: 'gistar', k: '1', colour: 'bin',
  weight: 'count', area: '', group: 'Black', dby: 'rate', dperiod: 'all', order: [...ORDER], on: new Set(['boundaries', 'hotspots']), opacity: {}, denied: new Set(),
  data: {}, seq: {}, targets: null, proposals: null, plan: null, markers: [], view: null, playing: null,
};

export const timings = { firstRender: null, changes: [] };

export function readURL() {
  const p = new URLSearchParams(location.search);
  const idx = (m, def) => { const i = state.periods.indexOf(m); return i >= 0 ? i : def; };
  if (p.get('layers') !== null) {
    const listed = p.get('layers').split(',').filter(Boolean).map((x) => x.split(':'));
    const ids = listed.map(([id]) => id).filter((id) => LAYERS[id]);
    state.on = new Set(ids);
    state.order = [...ORDER.filter((id) => !ids.includes(id)), ...ids];
    for (const [id, op] of listed) if (LAYERS[id] && op) state.opacity[id] = Math.min(1, Math.max(0, Number(op) / 100));
  }
  state.fromI = idx(p.get('from'), state.fromI);
  state.toI = Math.max(state.fromI, idx(p.get('to'), state.toI));
  if (p.get('cat')) state.cats = p.get('cat').split(',').filter((c) => state.allCats.includes(c));
  for (const k of ['res', 'method', 'k', 'colour', 'weight', 'area', 'group', 'dby', 'dperiod']) if (p.get(k) !== null) state[k] = p.get(k);
  const m = /^([\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(p.get('map') || '');
  if (m) state.view = { zoom: +m[1], center: [+m[3], +m[2]] };
}

export function writeURL() {
  const p = new URLSearchParams();
  p.set('layers', state.order.filter((id) => state.on.has(id)).map((id) => (state.opacity[id] !== undefined ? `${id}:${Math.round(state.opacity[id] * 100)}` : id)).join(','));
  setPeriod(p);
  if (state.unit === 'day') p.set('unit', 'day');
  if (state.cats.length) p.set('cat', state.cats.join(','));
  for (const k of ['res', 'method', 'k', 'colour', 'weight', 'area']) if (state[k]) p.set(k, state[k]);
  // the layer of searches per resident's choices, while it is shown
  if (state.on.has('dispro')) for (const k of ['group', 'dby', 'dperiod']) p.set(k, state[k]);
  if (map) {
    const c = map.getCenter();
    p.set('map', `${map.getZoom().toFixed(2)}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
  }
  history.replaceState(null, '', location.pathname + '?' + p.toString().replaceAll('%2C', ',').replaceAll('%2F', '/').replaceAll('%3A', ':'));
}

export function currentRes() {
  if (state.res !== 'auto') return Number(state.res);
  const z = map ? map.getZoom() : 11;
  return Math.min(11, Math.max(5, Math.round(z) - 2));
}

export function filters({ res = true } = {}) {
  const q = new URLSearchParams();
  if (res) q.set('res', currentRes());
  setPeriod(q);
  for (const c of state.cats) q.append('category', c);
  if (state.area) q.set('area', state.area);
  return q;
}

export function withQ(extra) {
  const q = filters();
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  return q.toString();
}

// change compares the chosen months or days (B) with as many before them (A), or, when the
// data do not reach back so far, the first half of the chosen ones with the second.
export function changeQuery() {
  const q = filters();
  q.delete('from'); q.delete('to');
  const n = state.toI - state.fromI + 1;
  let a0, a1, b0;
  if (state.fromI - n >= 0) { a0 = state.fromI - n; a1 = state.fromI - 1; b0 = state.fromI; }
  else { const half = Math.max(1, Math.floor(n / 2)); a0 = state.fromI; a1 = state.fromI + half - 1; b0 = Math.min(state.toI, a1 + 1); }
  const m = state.periods;
  if (!m.length) return q.toString();
  q.set('a_from', m[a0]); q.set('a_to', m[a1]); q.set('b_from', m[b0]); q.set('b_to', m[state.toI]);
  return q.toString();
}

export function incidentsPath() {
  if (!map || map.getZoom() < 14) return null;
  const b = map.getBounds();
  const q = new URLSearchParams({ bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(','), limit: '10000' });
  if (state.periods.length) {
    const instant = (d) => d.toISOString().replace('.000', '');
    q.set('datetime', `${instant(periodStart(fromLabel()))}/${instant(new Date(periodEnd(toLabel()) - 1000))}`);
  }
  return '/ogc/collections/incidents/items?' + q;
}

// periodsBetween lists the months (YYYY-MM) or days (YYYY-MM-DD) from first to last (RFC
// 3339 instants, UTC): the positions of the time slider, at most 7,305 (20 years of days).
export function periodsBetween(first, last, unit) {
  const n = unit === 'day' ? 10 : 7;
  const out = [];
  const end = last.slice(0, n);
  for (let d = periodStart(first.slice(0, n)); out.length < 7305; d = periodEnd(out.at(-1))) {
    out.push(d.toISOString().slice(0, n));
    if (out.at(-1) >= end) break;
  }
  return out;
}

// periodStart and periodEnd: the first instant of a month or day label and the first after it.
export const periodStart = (label) => new Date((label.length === 7 ? label + '-01' : label) + 'T00:00:00Z');

export function periodEnd(label) {
  const d = periodStart(label);
  if (label.length === 7) d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

export const fromLabel = () => state.periods[state.fromI];

export const toLabel = () => state.periods[state.toI];

// setPeriod puts the chosen period in a query as from and to (the API takes months or days).
export function setPeriod(q) {
  if (state.periods.length) { q.set('from', fromLabel()); q.set('to', toLabel()); }
}

// setUnit switches the time slider between months and days, keeping the period: months to
// their days (within the data), days to their months.
export function setUnit(unit) {
  if (unit === state.unit || !state.status?.first) return;
  const from = fromLabel(), to = toLabel();
  state.unit = unit;
  state.periods = periodsBetween(state.status.first, state.status.last, unit);
  const last = state.periods.length - 1;
  if (unit === 'day') {
    state.fromI = Math.max(0, state.periods.findIndex((d) => d >= from));
    const i = state.periods.findIndex((d) => d.slice(0, 7) > to);
    state.toI = Math.max(state.fromI, i < 0 ? last : i - 1);
  } else {
    state.fromI = Math.max(0, state.periods.indexOf(from.slice(0, 7)));
    state.toI = Math.max(state.fromI, state.periods.indexOf(to.slice(0, 7)));
  }
}

// may says whether the key holds a permission (/api/v1/status lists them; a server that does
// not say is asked anyway, and answers 403 with the reason).
export const may = (perm) => !state.status?.permissions || state.status.permissions.includes(perm);
