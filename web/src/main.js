// hexbeat web map: every layer of the API on a MapLibre map (hotspots, KDE, emerging,
// change, incidents, boundaries, retailers, cameras, Section 60 proposals and
// authorisations), the filters and the three planners. The view lives in the URL so that
// it can be shared. No basemap unless the server is configured with one.
import * as maplibregl from 'maplibre-gl';
import { takeKeyFromURL, setKey, api, post, request, upload, download, saveBlob, onBusy, authHeader } from './api.js';
import { sparkline, curve, esc } from './charts.js';

maplibregl.setWorkerUrl(new URL('maplibre-gl-worker.mjs', import.meta.url).href);
performance.mark('hexbeat:boot');
takeKeyFromURL();

const $ = (id) => document.getElementById(id);
const fmtP = (p) => (p == null ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const fmt = (n, d = 0) => (n == null || Number.isNaN(n) ? '–' : Number(n).toLocaleString('en-GB', { maximumFractionDigits: d }));

// ---------------------------------------------------------------- layers

// Gi* bins: ColorBrewer RdBu, colour-blind safe; 0 (not significant) nearly transparent.
const BIN_COLOURS = { 3: '#b2182b', 2: '#ef8a62', 1: '#fddbc7', 0: 'rgba(230,230,230,0.25)', '-1': '#d1e5f0', '-2': '#67a9cf', '-3': '#2166ac' };
const BIN_LABELS = { 3: 'Hot spot, 99% confidence', 2: 'Hot spot, 95%', 1: 'Hot spot, 90%', 0: 'Not significant', '-1': 'Cold spot, 90%', '-2': 'Cold spot, 95%', '-3': 'Cold spot, 99% confidence' };
const RAMP = ['#fff5eb', '#fdd0a2', '#fdae6b', '#fd8d3c', '#f16913', '#d94801', '#8c2d04'];
const EMERGING = {
  'new hot spot': '#fee08b', 'consecutive hot spot': '#fdae61', 'intensifying hot spot': '#d73027', 'persistent hot spot': '#a50026',
  'diminishing hot spot': '#f46d43', 'sporadic hot spot': '#fdd49e', 'oscillating hot spot': '#e08214', 'historical hot spot': '#b35806',
  'new cold spot': '#c6dbef', 'consecutive cold spot': '#9ecae1', 'intensifying cold spot': '#2171b5', 'persistent cold spot': '#08306b',
  'diminishing cold spot': '#6baed6', 'sporadic cold spot': '#deebf7', 'oscillating cold spot': '#4292c6', 'historical cold spot': '#08519c',
};
// clusters and outliers (local Moran's I), in the usual LISA colours
const OUTLIERS = {
  HH: ['#b2182b', 'High among high: a cluster'], HL: ['#f4a582', 'High among low: an outlier'],
  LH: ['#92c5de', 'Low among high: a gap'], LL: ['#2166ac', 'Low among low'],
};
// change: at most -5, -4..-2, -1, 0, +1, +2..+4, at least +5
const CHANGE = { breaks: [-4.5, -1.5, -0.5, 0.5, 1.5, 4.5], colours: ['#2166ac', '#67a9cf', '#d1e5f0', 'rgba(240,240,240,0.3)', '#fddbc7', '#ef8a62', '#b2182b'] };

// Each layer: its title, the MapLibre layers that draw it, and (for those read from the
// API) the request that loads it for the current filters.
const LAYERS = {
  boundaries: { title: 'Boundaries', style: ['boundaries-fill', 'boundaries-line'], exportId: 'boundaries' },
  // hotspot layers come as vector tiles (a layer of tens of thousands of cells redraws in a
  // few hundred milliseconds); beside them the map asks for the layer's summary
  hotspots: { title: 'Hotspots', style: ['hotspots-fill', 'hotspots-value'], analysis: true, exportId: 'hotspots', tiled: true,
    query: () => withQ({ method: state.method, weight: state.weight, k: state.k }),
    path: () => '/api/v1/hotspots?' + withQ({ method: state.method, weight: state.weight, k: state.k, summary: 'true' }) },
  kde: { title: 'KDE surface', style: ['kde-fill'], analysis: true, exportId: 'hotspots', tiled: true,
    query: () => withQ({ method: 'kde', weight: state.weight }),
    path: () => '/api/v1/hotspots?' + withQ({ method: 'kde', weight: state.weight, summary: 'true' }) },
  emerging: { title: 'Emerging hot spots', style: ['emerging-fill'], analysis: true, exportId: 'emerging',
    path: () => '/api/v1/emerging?' + withQ({ weight: state.weight }) },
  outliers: { title: 'Clusters and outliers', style: ['outliers-fill'], analysis: true, exportId: 'outliers',
    path: () => '/api/v1/outliers?' + withQ({ weight: state.weight, k: state.k }) },
  change: { title: 'Change', style: ['change-fill'], analysis: true, exportId: 'change', path: () => '/api/v1/change?' + changeQuery() },
  incidents: { title: 'Incidents (zoom 14+)', style: ['incidents-circle'], exportId: 'incidents', path: incidentsPath },
  // perm: the permission a key needs to read the layer (the list leaves out the others), and
  // to download it; dl: to download it, when not that (a reading layer needs "export")
  retailers: { title: 'Retailers', style: ['retailers-circle', 'retailers-hl'], exportId: 'retailers', path: () => '/api/v1/retailers', perm: 'retailers' },
  register: { title: 'Registered cameras', style: ['register-circle'], exportId: 'camera-register', path: () => '/api/v1/cameras', perm: 'cameras' },
  cameras: { title: 'Camera sites', style: ['cameras-cover', 'cameras-circle'], exportId: 'cameras', planned: true, perm: 'cameras' },
  proposals: { title: 'Section 60 proposals', style: ['proposals-fill', 'proposals-line'], exportId: 'section60-proposals', planned: true, perm: 'section60' },
  authorisations: { title: 'Section 60 authorisations (active)', style: ['authorisations-fill', 'authorisations-line'], exportId: 'section60-authorisations',
    path: () => '/api/v1/section60/authorisations?status=active', dl: 'section60' },
};
const ORDER = ['boundaries', 'change', 'emerging', 'kde', 'hotspots', 'outliers', 'authorisations', 'proposals', 'incidents', 'retailers', 'register', 'cameras'];

// ---------------------------------------------------------------- state and the URL

const state = {
  status: null, unit: 'month', periods: [], fromI: 0, toI: 0, allCats: [], cats: [], res: 'auto', method: 'gistar', k: '1', colour: 'bin',
  weight: 'count', area: '', order: [...ORDER], on: new Set(['boundaries', 'hotspots']), opacity: {}, denied: new Set(),
  data: {}, seq: {}, targets: null, proposals: null, plan: null, markers: [], view: null, playing: null,
};
const timings = { firstRender: null, changes: [] };

function readURL() {
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
  for (const k of ['res', 'method', 'k', 'colour', 'weight', 'area']) if (p.get(k) !== null) state[k] = p.get(k);
  const m = /^([\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(p.get('map') || '');
  if (m) state.view = { zoom: +m[1], center: [+m[3], +m[2]] };
}

function writeURL() {
  const p = new URLSearchParams();
  p.set('layers', state.order.filter((id) => state.on.has(id)).map((id) => (state.opacity[id] !== undefined ? `${id}:${Math.round(state.opacity[id] * 100)}` : id)).join(','));
  setPeriod(p);
  if (state.unit === 'day') p.set('unit', 'day');
  if (state.cats.length) p.set('cat', state.cats.join(','));
  for (const k of ['res', 'method', 'k', 'colour', 'weight', 'area']) if (state[k]) p.set(k, state[k]);
  if (map) {
    const c = map.getCenter();
    p.set('map', `${map.getZoom().toFixed(2)}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
  }
  history.replaceState(null, '', location.pathname + '?' + p.toString().replaceAll('%2C', ',').replaceAll('%2F', '/').replaceAll('%3A', ':'));
}

// ---------------------------------------------------------------- queries

function currentRes() {
  if (state.res !== 'auto') return Number(state.res);
  const z = map ? map.getZoom() : 11;
  return Math.min(11, Math.max(5, Math.round(z) - 2));
}

function filters({ res = true } = {}) {
  const q = new URLSearchParams();
  if (res) q.set('res', currentRes());
  setPeriod(q);
  for (const c of state.cats) q.append('category', c);
  if (state.area) q.set('area', state.area);
  return q;
}

function withQ(extra) {
  const q = filters();
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  return q.toString();
}

// change compares the chosen months or days (B) with as many before them (A), or, when the
// data do not reach back so far, the first half of the chosen ones with the second.
function changeQuery() {
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

function incidentsPath() {
  if (!map || map.getZoom() < 14) return null;
  const b = map.getBounds();
  const q = new URLSearchParams({ bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(','), limit: '10000' });
  if (state.periods.length) {
    const instant = (d) => d.toISOString().replace('.000', '');
    q.set('datetime', `${instant(periodStart(fromLabel()))}/${instant(new Date(periodEnd(toLabel()) - 1000))}`);
  }
  return '/ogc/collections/incidents/items?' + q;
}

// ---------------------------------------------------------------- status line

function setStatus(text, { error = false } = {}) {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', error);
}
onBusy((b) => $('status').classList.toggle('busy', b));

function failed(what, e) {
  if (e.status === 401) { $('signin').hidden = false; $('signin').open = true; setStatus('An API key is needed: enter it under "Sign in".', { error: true }); return; }
  setStatus(`${what}: ${e.message}`, { error: true });
}

// ---------------------------------------------------------------- the map

let map;
const empty = { type: 'FeatureCollection', features: [] };

function blankStyle() {
  return { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } }] };
}

// basemapStyle takes a style JSON URL, or a raster tile template ({z}/{x}/{y}) such as
// OpenStreetMap's, which it wraps in a style with the attribution.
function basemapStyle(url) {
  if (!url) return blankStyle();
  if (url.includes('{z}')) {
    return { version: 8, sources: { basemap: { type: 'raster', tiles: [url], tileSize: 256, attribution: '© OpenStreetMap contributors' } },
      layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } }, { id: 'basemap', type: 'raster', source: 'basemap' }] };
  }
  return url;
}

const opacityOf = (id) => state.opacity[id] ?? (id === 'boundaries' ? 1 : 0.8);

const tileURL = (id) => `${location.origin}/tiles/hotspots/{z}/{x}/{y}.mvt?${LAYERS[id].query()}`;
// boundaries come as tiles too: a national set of LSOAs is too large to send whole; v
// changes with each import, so that the map asks again
const boundaryTiles = () => `${location.origin}/tiles/boundaries/{z}/{x}/{y}.mvt?v=${state.status?.batches ?? 0}`;

function addLayers() {
  for (const [id, def] of Object.entries(LAYERS)) {
    if (id === 'boundaries') map.addSource(id, { type: 'vector', tiles: [boundaryTiles()], maxzoom: 16 });
    else if (def.tiled) map.addSource(id, { type: 'vector', tiles: [tileURL(id)], minzoom: 3, maxzoom: 16 });
    else map.addSource(id, { type: 'geojson', data: empty });
  }
  const styles = {
    'boundaries-fill': { type: 'fill', source: 'boundaries', 'source-layer': 'boundaries', paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.45 } },
    'boundaries-line': { type: 'line', source: 'boundaries', 'source-layer': 'boundaries', paint: { 'line-color': '#37474f', 'line-width': 1.2 } },
    'change-fill': { type: 'fill', source: 'change', paint: { 'fill-color': changeColour(), 'fill-outline-color': 'rgba(0,0,0,0.15)' } },
    'emerging-fill': { type: 'fill', source: 'emerging', paint: { 'fill-color': emergingColour(), 'fill-outline-color': 'rgba(0,0,0,0.15)' } },
    'outliers-fill': { type: 'fill', source: 'outliers', paint: { 'fill-color': outlierColour(), 'fill-outline-color': 'rgba(0,0,0,0.15)' } },
    'kde-fill': { type: 'fill', source: 'kde', 'source-layer': 'hotspots', paint: { 'fill-color': classColour(), 'fill-outline-color': 'rgba(90,40,0,0.25)' } },
    'hotspots-fill': { type: 'fill', source: 'hotspots', 'source-layer': 'hotspots', paint: { 'fill-color': binColour(), 'fill-outline-color': 'rgba(60,60,60,0.25)' } },
    'hotspots-value': { type: 'fill', source: 'hotspots', 'source-layer': 'hotspots', paint: { 'fill-color': classColour(), 'fill-outline-color': 'rgba(60,60,60,0.25)' } },
    'authorisations-fill': { type: 'fill', source: 'authorisations', paint: { 'fill-color': '#6a1b9a', 'fill-opacity': 0.15 } },
    'authorisations-line': { type: 'line', source: 'authorisations', paint: { 'line-color': '#6a1b9a', 'line-width': 2.5, 'line-dasharray': [2, 1] } },
    'proposals-fill': { type: 'fill', source: 'proposals', paint: { 'fill-color': '#ff6f00', 'fill-opacity': 0.25 } },
    'proposals-line': { type: 'line', source: 'proposals', paint: { 'line-color': '#e65100', 'line-width': 2 } },
    'incidents-circle': { type: 'circle', source: 'incidents', minzoom: 14, paint: { 'circle-radius': 4, 'circle-color': '#263238', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
    'retailers-circle': { type: 'circle', source: 'retailers', paint: { 'circle-radius': 5, 'circle-color': '#00695c', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } },
    'retailers-hl': { type: 'circle', source: 'retailers', filter: ['==', ['get', 'id'], ''], paint: { 'circle-radius': 11, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ffab00', 'circle-stroke-width': 3 } },
    // the register: fixed cameras filled, mobile units ringed; those out of service faint
    'register-circle': { type: 'circle', source: 'register', paint: { 'circle-radius': 5, 'circle-color': ['match', ['get', 'kind'], 'mobile', '#ffffff', '#37474f'],
      'circle-stroke-color': ['match', ['get', 'kind'], 'mobile', '#1565c0', '#ffffff'], 'circle-stroke-width': 2, 'circle-opacity': ['case', ['get', 'in_service'], 1, 0.35],
      'circle-stroke-opacity': ['case', ['get', 'in_service'], 1, 0.35] } },
    'cameras-cover': { type: 'fill', source: 'cameras', filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': ['case', ['==', ['get', 'existing'], true], '#455a64', '#1b5e20'], 'fill-opacity': 0.12 } },
    'cameras-circle': { type: 'circle', source: 'cameras', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 4, 'circle-color': '#1b5e20' } },
  };
  for (const id of state.order) for (const sid of LAYERS[id].style) map.addLayer(instant({ id: sid, ...styles[sid] }));
  for (const id of Object.keys(LAYERS)) applyVisibility(id);
  // the hexagon chosen in the list of top hot spots, outlined over every layer
  map.addSource('chosen', { type: 'geojson', data: empty });
  map.addLayer(instant({ id: 'chosen-line', type: 'line', source: 'chosen', paint: { 'line-color': '#ffab00', 'line-width': 3 } }));
}

const OPACITY = { fill: 'fill-opacity', line: 'line-opacity', circle: 'circle-opacity' };

// instant turns off the style's paint transitions (300 ms by default) on a layer's
// properties: the map shows a new colour or opacity at once, and a change is over
// (the map idle) when it is drawn, not 300 ms later.
function instant(layer) {
  const paint = { ...layer.paint };
  for (const prop of [...Object.keys(layer.paint), OPACITY[layer.type]]) paint[`${prop}-transition`] = { duration: 0, delay: 0 };
  return { ...layer, paint };
}

function applyVisibility(id) {
  const on = state.on.has(id) && !state.denied.has(id);
  for (const sid of LAYERS[id].style) {
    map.setLayoutProperty(sid, 'visibility', on ? 'visible' : 'none');
    const type = map.getLayer(sid).type;
    const prop = OPACITY[type];
    if (sid === 'boundaries-fill') map.setPaintProperty(sid, prop, 0.45 * opacityOf(id));
    else if (sid.endsWith('-cover') || sid === 'proposals-fill' || sid === 'authorisations-fill') map.setPaintProperty(sid, prop, 0.25 * opacityOf(id));
    else if (id === 'hotspots') map.setPaintProperty(sid, prop, sid === hotspotsShown() ? opacityOf(id) : 0);
    else if (prop) map.setPaintProperty(sid, prop, opacityOf(id));
  }
  if (id === 'cameras') state.markers.forEach((m) => { m.getElement().style.display = on ? '' : 'none'; });
}

function applyOrder() {
  // state.order runs bottom to top: move each of its MapLibre layers to the top in turn
  for (const id of state.order) for (const sid of LAYERS[id].style) map.moveLayer(sid);
}

function binColour() {
  const e = ['match', ['coalesce', ['get', 'bin'], 0]];
  for (const b of [3, 2, 1, -1, -2, -3]) e.push(b, BIN_COLOURS[b]);
  e.push(BIN_COLOURS[0]);
  return e;
}

// classColour colours a tile's cells by value_class, the class of their value in the
// layer's breaks (the summary's value_breaks, drawn in the legend). The style stays the same
// when the breaks change, so a new layer costs only its own tiles.
function classColour() {
  const e = ['match', ['coalesce', ['get', 'value_class'], 0]];
  RAMP.slice(1).forEach((c, i) => e.push(i + 1, c));
  e.push(RAMP[0]);
  return e;
}

function emergingColour() {
  const e = ['match', ['get', 'category']];
  for (const [k, c] of Object.entries(EMERGING)) e.push(k, c);
  e.push('rgba(230,230,230,0.2)');
  return e;
}

function outlierColour() {
  const e = ['match', ['coalesce', ['get', 'type'], '']];
  for (const [k, [c]] of Object.entries(OUTLIERS)) e.push(k, c);
  e.push('rgba(230,230,230,0.2)');
  return e;
}

function changeColour() {
  const e = ['step', ['coalesce', ['get', 'change'], 0], CHANGE.colours[0]];
  CHANGE.breaks.forEach((b, i) => e.push(b, CHANGE.colours[i + 1]));
  return e;
}

// ---------------------------------------------------------------- loading layers

async function loadLayer(id) {
  const def = LAYERS[id];
  if (!def.path || !state.on.has(id) || state.denied.has(id)) return;
  const path = def.path();
  if (!path) { map.getSource(id).setData(empty); return; }
  const seq = (state.seq[id] = (state.seq[id] || 0) + 1);
  try {
    const fc = await api(path);
    if (seq !== state.seq[id]) return; // a newer request has been made
    state.data[id] = fc;
    paint(id, fc);
    if (def.tiled) {
      const url = tileURL(id);
      if (map.getSource(id).tiles?.[0] !== url) map.getSource(id).setTiles([url]);
    } else map.getSource(id).setData(fc);
  } catch (e) {
    if (seq !== state.seq[id]) return;
    if (e.status === 403) {
      state.denied.add(id);
      applyVisibility(id);
      renderLayerList();
      setStatus(`Your key may not read ${def.title.toLowerCase()}.`, { error: true });
      return;
    }
    failed(`Could not load ${def.title.toLowerCase()}`, e);
    throw e;
  }
}

function breaksOf(summary) {
  const b = summary?.value_breaks;
  return b && b.length ? b : [1, 2, 3, 4, 5, 6];
}

// The hot spots are drawn by two fill layers over the same tiles, one coloured by Gi* bin
// (hotspots-fill, which clicks and the layer order go by) and one by the class of the value;
// the one not shown has opacity 0, which MapLibre does not draw. A recolour is then a change
// of two constant opacities, drawn in one frame: a new colour expression would make MapLibre
// lay out every tile again in its worker first.
const hotspotsShown = () => (state.colour === 'value' || state.method === 'kde' ? 'hotspots-value' : 'hotspots-fill');

function paint(id, fc) {
  if (id === 'hotspots') {
    state.breaks = breaksOf(fc);
    for (const sid of LAYERS.hotspots.style) map.setPaintProperty(sid, 'fill-opacity', sid === hotspotsShown() ? opacityOf(id) : 0);
  } else if (id === 'kde') {
    state.kdeBreaks = breaksOf(fc);
  }
}

// recolour repaints the hotspots without asking the server again.
function recolour() {
  writeURL();
  if (!state.data.hotspots) return;
  const t0 = performance.now();
  paint('hotspots', state.data.hotspots);
  renderLegend();
  map.once('idle', () => timings.changes.push({ reason: 'colour', ms: Math.round(performance.now() - t0), features: state.data.hotspots.cells }));
}

// refresh reloads the layers that follow the filters; it times the change from the control
// to the map's next idle frame (performance mark hexbeat:change).
async function refresh(reason = 'filters') {
  writeURL();
  const t0 = performance.now();
  const ids = Object.keys(LAYERS).filter((id) => LAYERS[id].path && state.on.has(id));
  try {
    await Promise.all(ids.map(loadLayer));
  } catch { renderLegend(); return; }
  renderLegend();
  summariseStatus();
  topHotspots();
  const n = state.data.hotspots?.cells ?? 0;
  map.once('idle', () => {
    const ms = performance.now() - t0;
    performance.measure('hexbeat:change', { start: t0, end: performance.now() });
    timings.changes.push({ reason, ms: Math.round(ms), features: n });
    if (timings.firstRender === null && state.data.hotspots) {
      timings.firstRender = Math.round(performance.now());
      performance.mark('hexbeat:first-render');
    }
  });
}

function summariseStatus() {
  const h = state.data.hotspots;
  if (h && state.on.has('hotspots')) {
    const sig = h.significant ? `; ${fmt(h.significant.hot)} significant hot spots` : '';
    // global Moran's I says whether the crime clusters at all at the layer's radius (with
    // k=auto the layer's notes, in the legend, say how the radius was chosen)
    const m = h.moran && Number.isFinite(h.moran.i) ? `; Moran's I ${fmt(h.moran.i, 2)} (z ${fmt(h.moran.z, 1)}) over ${h.k} ring${h.k > 1 ? 's' : ''}` : '';
    // the study area holds empty cells too (a boundary's, or the neighbours Gi* needs)
    setStatus(`${fmt(h.total)} incidents; study area of ${fmt(h.cells)} hexagons at resolution ${h.res}${sig}${m}`);
  } else setStatus('');
}

// ---------------------------------------------------------------- panel: controls

// listAreas fills the area menu with the boundaries whose name, kind or code holds the
// text of the find box, at most AREA_LIST_MAX of them (a national set of LSOAs is 35,000),
// and always the area chosen. The find box shows when there are more than a few.
const AREA_LIST_MAX = 1000;
function listAreas() {
  const sel = $('area'), all = state.boundaries.features;
  const find = $('area-find');
  find.hidden = all.length <= 50;
  const f = find.value.trim().toLowerCase();
  const match = f ? all.filter((b) => `${b.properties.name} ${b.properties.kind} ${b.id}`.toLowerCase().includes(f)) : all;
  const shown = match.slice(0, AREA_LIST_MAX);
  const chosen = state.area && !shown.some((b) => b.id === state.area) && all.find((b) => b.id === state.area);
  if (chosen) shown.unshift(chosen);
  sel.length = 1; // keep "Everywhere"
  fillSelect(sel, shown.map((b) => [b.id, `${b.properties.name} (${b.properties.kind})`]));
  if (match.length > AREA_LIST_MAX) {
    const o = document.createElement('option');
    o.disabled = true;
    o.textContent = `… and ${(match.length - AREA_LIST_MAX).toLocaleString('en-GB')} more: narrow them in the box above`;
    sel.appendChild(o);
  }
  sel.value = state.area;
}

function fillSelect(sel, items) {
  for (const [value, label] of items) {
    const o = document.createElement('option');
    o.value = value; o.textContent = label; sel.appendChild(o);
  }
}

function syncControls() {
  const last = Math.max(0, state.periods.length - 1);
  for (const [id, v] of [['from-i', state.fromI], ['to-i', state.toI]]) { $(id).max = last; $(id).value = v; }
  $('from-out').value = fromLabel() || '';
  $('to-out').value = toLabel() || '';
  $('unit').value = state.unit;
  for (const k of ['res', 'method', 'k', 'colour', 'weight', 'area']) $(k).value = state[k];
  for (const cb of $('cat-list').querySelectorAll('input')) cb.checked = !state.cats.length || state.cats.includes(cb.value);
}

function readCats() {
  const boxes = [...$('cat-list').querySelectorAll('input')];
  const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
  state.cats = chosen.length === boxes.length ? [] : chosen;
}

function wireControls() {
  const change = (fn, reason) => (e) => { fn(e); syncControls(); refresh(reason); };
  $('from-i').addEventListener('change', change(() => { state.fromI = +$('from-i').value; if (state.toI < state.fromI) state.toI = state.fromI; }, 'from'));
  $('to-i').addEventListener('change', change(() => { state.toI = +$('to-i').value; if (state.fromI > state.toI) state.fromI = state.toI; }, 'to'));
  for (const id of ['from-i', 'to-i']) $(id).addEventListener('input', () => { $(id.replace('-i', '-out')).value = state.periods[+$(id).value]; });
  $('unit').addEventListener('change', change(() => setUnit($('unit').value), 'unit'));
  $('cat-list').addEventListener('change', change(readCats, 'category'));
  $('cats-all').addEventListener('click', change(() => { state.cats = []; }, 'category'));
  $('cats-none').addEventListener('click', change(() => { state.cats = [state.allCats[0]]; }, 'category'));
  for (const k of ['res', 'method', 'k', 'weight', 'area']) $(k).addEventListener('change', change(() => { state[k] = $(k).value; }, k));
  $('colour').addEventListener('change', () => { state.colour = $('colour').value; recolour(); });
  $('area').addEventListener('change', () => { if (state.area) fitTo(state.boundaries.features.filter((f) => f.id === state.area)); });
  $('area-find').addEventListener('input', listAreas);
  $('play').addEventListener('click', togglePlay);
  $('panel-toggle').addEventListener('click', () => {
    const collapsed = $('panel').classList.toggle('collapsed');
    $('panel-toggle').setAttribute('aria-expanded', String(!collapsed));
  });
  $('info-close').addEventListener('click', closeInfo);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeInfo(); });
}

function togglePlay() {
  if (state.playing) {
    clearInterval(state.playing); state.playing = null;
    $('play').textContent = '▶ Play'; $('play').setAttribute('aria-pressed', 'false');
    return;
  }
  const span = state.toI - state.fromI;
  if (state.toI >= state.periods.length - 1) { state.fromI = 0; state.toI = span; }
  $('play').textContent = '❚❚ Pause'; $('play').setAttribute('aria-pressed', 'true');
  const step = () => {
    if (state.toI >= state.periods.length - 1) { togglePlay(); return; }
    state.fromI++; state.toI++;
    syncControls(); refresh('play');
  };
  syncControls(); refresh('play');
  state.playing = setInterval(step, 1800);
}

// ---------------------------------------------------------------- panel: layers and legend

function renderLayerList() {
  const ol = $('layer-list');
  ol.innerHTML = '';
  for (const id of [...state.order].reverse()) { // top of the map first
    const def = LAYERS[id];
    if (def.perm && !may(def.perm)) continue;
    const li = document.createElement('li');
    const denied = state.denied.has(id);
    li.innerHTML = `<label title="${denied ? 'your key may not read this layer' : ''}"><input type="checkbox" data-layer="${id}" ${state.on.has(id) && !denied ? 'checked' : ''} ${denied ? 'disabled' : ''}>${esc(def.title)}</label>
<input type="range" min="0" max="100" value="${Math.round(opacityOf(id) * 100)}" aria-label="Opacity of ${esc(def.title)}" data-opacity="${id}">
<button type="button" data-up="${id}" aria-label="Move ${esc(def.title)} up">↑</button><button type="button" data-down="${id}" aria-label="Move ${esc(def.title)} down">↓</button>`;
    ol.appendChild(li);
  }
}

function wireLayerList() {
  $('layer-list').addEventListener('change', async (e) => {
    const id = e.target.dataset.layer;
    if (id) {
      if (e.target.checked) state.on.add(id); else state.on.delete(id);
      applyVisibility(id);
      writeURL();
      if (id === 'hotspots') topHotspots();
      if (e.target.checked && LAYERS[id].path) {
        const t0 = performance.now();
        try { await loadLayer(id); } catch { return; }
        renderLegend();
        map.once('idle', () => timings.changes.push({ reason: 'layer ' + id, ms: Math.round(performance.now() - t0), features: state.data[id]?.cells ?? state.data[id]?.features.length ?? 0 }));
      }
      renderLegend();
    }
  });
  $('layer-list').addEventListener('input', (e) => {
    const id = e.target.dataset.opacity;
    if (id) { state.opacity[id] = +e.target.value / 100; applyVisibility(id); writeURL(); }
  });
  $('layer-list').addEventListener('click', (e) => {
    const up = e.target.dataset.up, down = e.target.dataset.down;
    const id = up || down;
    if (!id) return;
    const i = state.order.indexOf(id), j = up ? i + 1 : i - 1;
    if (j < 0 || j >= state.order.length) return;
    [state.order[i], state.order[j]] = [state.order[j], state.order[i]];
    applyOrder(); renderLayerList(); writeURL();
    $('layer-list').querySelector(`[data-${up ? 'up' : 'down'}="${id}"]`)?.focus();
  });
}

// notesOf writes a layer's notes (periods with no data held, slices too few for a trend).
const notesOf = (fc) => (fc?.notes || []).map((n) => `<p class="muted note">${esc(n)}</p>`).join('');

function renderLegend() {
  const parts = [];
  const row = (c, t) => `<div class="row"><span class="sw" style="background:${c}"></span>${esc(t)}</div>`;
  if (state.on.has('hotspots') && state.data.hotspots) {
    if (state.colour === 'value' || state.method === 'kde') parts.push(`<strong>Hotspots: ${esc(state.method)} value</strong>` + rampRows(state.breaks, row));
    else parts.push('<strong>Hotspots: Getis–Ord Gi* (FDR-adjusted)</strong>' + [3, 2, 1, 0, -1, -2, -3].map((b) => row(BIN_COLOURS[b], BIN_LABELS[b])).join(''));
    parts.push(notesOf(state.data.hotspots));
  }
  if (state.on.has('kde') && state.data.kde) {
    parts.push('<strong>KDE: incidents per km²</strong>' + rampRows(state.kdeBreaks, row));
    if (!(state.on.has('hotspots') && state.data.hotspots)) parts.push(notesOf(state.data.kde)); // the same period's notes
  }
  if (state.on.has('emerging') && state.data.emerging) {
    const seen = new Set(state.data.emerging.features.map((f) => f.properties.category));
    parts.push('<strong>Emerging hot spots</strong>' + Object.entries(EMERGING).filter(([k]) => seen.has(k)).map(([k, c]) => row(c, k)).join('') + row('rgba(230,230,230,0.4)', 'no pattern detected') + notesOf(state.data.emerging));
  }
  if (state.on.has('outliers') && state.data.outliers) {
    const o = state.data.outliers;
    parts.push(`<strong>Clusters and outliers: local Moran's I, ${o.k} ring${o.k > 1 ? 's' : ''}${o.fdr ? ', FDR-adjusted' : ''}</strong>`
      + Object.entries(OUTLIERS).map(([k, [c, label]]) => row(c, `${label} (${fmt(o.types?.[k] ?? 0)})`)).join('') + row('rgba(230,230,230,0.4)', 'not significant') + notesOf(o));
  }
  if (state.on.has('change') && state.data.change) {
    const a = state.data.change.a, b = state.data.change.b;
    parts.push(`<strong>Change: ${a.from.slice(0, 7)}… vs ${b.from.slice(0, 7)}…</strong>` + [['#b2182b', '+5 or more'], ['#ef8a62', '+2 to +4'], ['#fddbc7', '+1'], ['rgba(240,240,240,0.8)', 'no change'], ['#d1e5f0', '−1'], ['#67a9cf', '−2 to −4'], ['#2166ac', '−5 or fewer']].map(([c, t]) => row(c, t)).join('')
      + notesOf(state.data.change));
  }
  if (state.on.has('proposals') && state.proposals) parts.push(row('#ff6f00', 'Section 60 proposal'));
  if (state.on.has('authorisations') && state.data.authorisations?.features.length) parts.push(row('#6a1b9a', 'Section 60 authorisation in force'));
  if (state.on.has('retailers') && state.data.retailers) parts.push(row('#00695c', 'Retailer'));
  if (state.on.has('register') && state.data.register) parts.push(row('#37474f', 'Fixed camera (registered)') + row('#fff; box-shadow: inset 0 0 0 2px #1565c0', 'Mobile camera (registered)'));
  if (state.on.has('cameras') && state.plan) {
    parts.push(row('#1b5e20', 'Camera site and its coverage'));
    if (state.plan.existing_cameras?.length) parts.push(row('#455a64', 'Coverage of the cameras already there'));
  }
  $('legend').innerHTML = parts.join('') || '<p class="muted">No layer with a legend is shown.</p>';
}

function rampRows(b, row) {
  if (!b) return '';
  const f = (x) => fmt(x, x < 10 ? 2 : 0);
  const rows = [row(RAMP[0], `below ${f(b[0])}`)];
  b.forEach((lo, i) => rows.push(row(RAMP[i + 1], i + 1 < b.length ? `${f(lo)} – ${f(b[i + 1])}` : `${f(lo)} and above`)));
  return rows.join('');
}

// ---------------------------------------------------------------- details of a feature

function showInfo(html) {
  $('info-body').innerHTML = html;
  $('info').hidden = false;
}
function closeInfo() { $('info').hidden = true; }

const table = (rows) => `<table>${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${esc(v)}</td></tr>`).join('')}</table>`;

async function cellInfo(p, layer) {
  const rows = [['incidents', fmt(p.count)]];
  if (p.value !== undefined) rows.push(['value', fmt(p.value, 3)]);
  if (layer === 'outliers') {
    rows.push(['neighbours\' mean', fmt(p.lag, 2)], ['local Moran\'s I', fmt(p.local_i, 3)], ['z', fmt(p.z, 3)], ['p (FDR)', fmtP(p.p_fdr)],
      ['type', p.type ? OUTLIERS[p.type][1] : 'not significant']);
  } else if (p.z !== undefined) rows.push(['Gi* z', fmt(p.z, 3)], ['p', fmtP(p.p)], ['p (FDR)', fmtP(p.p_fdr)], ['confidence', BIN_LABELS[p.bin ?? 0] ?? '–']);
  if (p.rank !== undefined) rows.push(['rank', fmt(p.rank)]);
  if (p.category !== undefined && layer === 'emerging') rows.push(['emerging', p.category], ['trend tau', fmt(p.tau, 3)], ['trend p', fmtP(p.trend_p)]);
  if (p.change !== undefined) rows.push(['period A', fmt(p.a)], ['period B', fmt(p.b)], ['change', fmt(p.change)]);
  showInfo(`<h3>Hexagon ${esc(p.cell)}</h3>${table(rows)}<p class="muted">Loading the categories and months…</p>`);
  const q = filters({ res: false });
  q.delete('area');
  try {
    const d = await api(`/api/v1/cells/${p.cell}?` + q);
    const cats = Object.entries(d.by_category).sort((a, b) => b[1] - a[1]);
    showInfo(`<h3>Hexagon ${esc(p.cell)}</h3>${table(rows)}
<h3>By category, ${esc(fromLabel() || d.from.slice(0, 10))} to ${esc(toLabel() || '')}</h3>${table(cats.map(([k, v]) => [k, fmt(v)]))}
<h3>Month by month${state.cats.length ? ' (' + esc(state.cats.join(', ')) + ')' : ''}</h3>${sparkline(d.series, d.months, { title: 'incidents per month in this hexagon' })}`);
  } catch (e) {
    showInfo(`<h3>Hexagon ${esc(p.cell)}</h3>${table(rows)}<p class="error-text">${esc(e.message)}</p>`);
  }
}

function retailerInfo(p) {
  const t = state.targets?.features.find((f) => f.properties.id === p.id)?.properties;
  let html = `<h3>${esc(p.name)}</h3><p class="muted">${esc(p.address || '')} ${esc(p.category || '')}</p>`;
  if (t) {
    html += `<h4>Test-purchase score: ${fmt(t.score, 1)} (rank ${t.rank ?? '–'})</h4>` + table([
      ['exposure', fmt(t.exposure, 1)], ['incidents near', fmt(t.incidents)], ['past failures', fmt(t.failures)],
      ['failure boost', fmt(t.failure_boost, 2)], ['cool-down factor', fmt(t.cooldown, 2)]]) + `<p>${esc(t.reason || '')}</p>`;
  }
  const tests = typeof p.tests === 'string' ? JSON.parse(p.tests) : p.tests || [];
  html += '<h4>Test history</h4>' + (tests.length ? table(tests.map((x) => [x.date, x.result + (x.notes ? ' – ' + x.notes : '')])) : '<p class="muted">No tests recorded.</p>');
  if (may('retailers')) html += `<form id="test-form" data-id="${esc(p.id)}"><h4>Record a test purchase</h4>
<label for="test-date">Day of the test</label><input id="test-date" type="date" required value="${localInput(new Date()).slice(0, 10)}" max="${localInput(new Date()).slice(0, 10)}">
<label for="test-result">Result</label><select id="test-result"><option value="fail">Fail: sold to the young volunteer</option><option value="pass">Pass: refused the sale</option></select>
<label for="test-notes">Notes</label><input id="test-notes" maxlength="500">
<button type="submit">Record the result</button><p id="test-msg" role="status"></p></form>`;
  showInfo(html);
  $('test-form')?.addEventListener('submit', recordTest);
}

// recordTest records a test purchase's result, then shows the shop's history again and, if
// a ranking is on screen, ranks again (a test starts the shop's cool-down; a failure raises
// its score).
async function recordTest(e) {
  e.preventDefault();
  const id = e.target.dataset.id;
  try {
    await post(`/api/v1/retailers/${encodeURIComponent(id)}/tests`, { date: $('test-date').value, result: $('test-result').value, notes: $('test-notes').value });
    await loadLayer('retailers');
    if (state.targets) await rankTargets(new Event('submit'));
    const shop = state.data.retailers?.features.find((f) => f.properties.id === id);
    if (shop) retailerInfo(shop.properties);
    $('test-msg').textContent = 'Recorded.';
  } catch (err) {
    $('test-msg').textContent = err.message;
    $('test-msg').className = 'error-text';
  }
}

function wireClicks() {
  for (const layer of ['hotspots', 'kde', 'emerging', 'outliers', 'change']) {
    map.on('click', `${layer}-fill`, (e) => cellInfo(e.features[0].properties, layer));
    map.on('mouseenter', `${layer}-fill`, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', `${layer}-fill`, () => { map.getCanvas().style.cursor = ''; });
  }
  map.on('click', 'retailers-circle', (e) => retailerInfo(e.features[0].properties));
  map.on('click', 'register-circle', (e) => {
    const p = e.features[0].properties;
    showInfo(`<h3>${esc(p.name)}</h3>` + table([['camera', p.id], ['kind', p.kind], ['in service from', p.active_from || '–'], ['to', p.active_to || '–'],
      ['in service today', p.in_service ? 'yes' : 'no']]) + (p.kind === 'fixed' ? '<p class="muted">A camera plan counts it as cover already there while it is in service.</p>' : ''));
  });
  map.on('click', 'incidents-circle', (e) => {
    const p = e.features[0].properties;
    showInfo(`<h3>${esc(p.category)}</h3>` + table([['month', (p.time || '').slice(0, 7)], ['location', p.location || ''], ['LSOA', p.lsoa_name || ''], ['outcome', p.outcome || '']]));
  });
  map.on('click', 'proposals-fill', (e) => proposalInfo(e.features[0].properties.rank));
  map.on('click', 'authorisations-fill', (e) => {
    const p = e.features[0].properties;
    showInfo(`<h3>Section 60 authorisation ${esc(p.id)}</h3>` + table([['status', p.status], ['officer', `${p.officer}, ${p.rank}`], ['from', p.start], ['until', p.ends], ['area', `${fmt(p.area_km2, 2)} km²`]]) + `<p>${esc(p.grounds)}</p><button type="button" data-scrutiny="${esc(p.id)}">Scrutiny report</button>`);
  });
}

// ---------------------------------------------------------------- top hot spots

// topHotspots lists the first cells of the hotspot layer's ranking (GET /api/v1/hotspots
// with limit): the layer the map draws, as a table to read and to go through by keyboard.
// Choosing a row outlines its hexagon, brings it into view and shows its details. It asks
// only while the list is open.
const TOP_N = 15;
async function topHotspots() {
  const out = $('top-out');
  map.getSource('chosen')?.setData(empty);
  if (!$('p-top').open) return;
  const seq = (state.seq.top = (state.seq.top || 0) + 1);
  if (!state.on.has('hotspots') || state.denied.has('hotspots')) {
    out.innerHTML = '<p class="muted">Show the Hotspots layer to list its hottest hexagons.</p>';
    return;
  }
  out.textContent = 'Ranking…';
  try {
    const fc = await api('/api/v1/hotspots?' + withQ({ method: state.method, weight: state.weight, k: state.k, limit: TOP_N }));
    if (seq !== state.seq.top) return; // a newer list is on its way
    state.top = fc;
    // the value column says something the count does not: harm, recency or density
    const valued = fc.method === 'kde' || fc.weight !== 'count' || fc.half_life_days;
    // the bin in few words: "hot 99%", "cold 90%", "–"
    const conf = (bin) => (bin ? `${bin > 0 ? 'hot' : 'cold'} ${{ 1: 90, 2: 95, 3: 99 }[Math.abs(bin)]}%` : '–');
    const rows = fc.features.map(({ properties: p }) => `<tr tabindex="0" data-cell="${esc(p.cell)}"><td>${p.rank}</td><td>${fmt(p.count)}</td>`
      + (valued ? `<td>${fmt(p.value, 2)}</td>` : '') + `<td>${fmt(p.z, 2)}</td><td>${conf(p.bin)}</td></tr>`).join('');
    const method = $('method').selectedOptions[0]?.textContent || fc.method;
    out.innerHTML = fc.features.length
      ? `<p class="muted">The ${fc.features.length} highest ranked of ${fmt(fc.cells)} hexagons at resolution ${fc.res} by ${esc(method)}; ${fmt(fc.significant?.hot ?? 0)} are significant hot spots.</p>
<table class="ranked"><thead><tr><th>#</th><th>incidents</th>${valued ? `<th>${esc(fc.weight === 'harm' ? 'harm' : 'value')}</th>` : ''}<th>Gi* z</th><th>confidence</th></tr></thead><tbody>${rows}</tbody></table>`
      : '<p class="muted">No hexagons in this period and area.</p>';
  } catch (e) {
    if (seq === state.seq.top) out.innerHTML = `<p class="error-text">${esc(e.message)}</p>`;
  }
}

function chooseHotspot(cell) {
  const f = state.top?.features.find((x) => x.properties.cell === cell);
  if (!f) return;
  map.getSource('chosen').setData(f);
  const ring = f.geometry.coordinates[0];
  const centre = [0, 1].map((i) => ring.slice(1).reduce((s, c) => s + c[i], 0) / (ring.length - 1));
  // the zoom stays: with resolution "auto" a new zoom would be a new layer
  map.easeTo({ center: centre });
  for (const tr of $('top-out').querySelectorAll('tr')) tr.classList.toggle('selected', tr.dataset.cell === cell);
  cellInfo(f.properties, 'hotspots');
}

// ---------------------------------------------------------------- forecast check

// checkForecasts runs the rolling-origin backtest (GET /api/v1/evaluate) on the map's area,
// categories and weight: each month with enough before it is forecast from the months
// before it by each method, and the forecast scored on what happened. The table gives the
// mean PAI at 1 % and 5 % of the area against the naive baseline, and the report's verdict
// says, in words, whether any method did better than chance month to month.
const FC_METHODS = ['count', 'recency', 'gistar', 'kde'];
async function checkForecasts(e) {
  e.preventDefault();
  const q = filters();
  if (!$('fc-shown').checked) { q.delete('from'); q.delete('to'); }
  q.set('train_months', $('fc-train').value);
  q.set('methods', FC_METHODS.join(','));
  q.set('coverage', '0.01,0.05');
  q.set('weight', state.weight);
  $('fc-out').textContent = 'Running the backtest…';
  try {
    const r = await api('/api/v1/evaluate?' + q);
    state.forecast = r;
    const pct = (c) => `${fmt(c * 100)} %`;
    const months = r.summary[0]?.months ?? 0;
    const rows = r.summary.map((x) => `<tr><td>${esc(x.method)}${x.method === r.baseline ? ' (baseline)' : ''}</td><td>${pct(x.coverage)}</td><td>${fmt(x.pai, 2)}</td>`
      + `<td>${x.method === r.baseline ? '–' : '×' + fmt(x.pai_ratio_to_baseline, 3)}</td><td>${x.method === r.baseline ? '–' : `${x.months_beating_baseline} of ${x.months}`}</td></tr>`).join('');
    $('fc-out').innerHTML = months
      ? `<p class="muted">${fmt(months)} test month${months === 1 ? '' : 's'}, each forecast from the ${fmt(r.train_months)} before it, at resolution ${r.res}; PAI is the share of the month's incidents in the chosen cells over the share of the area they cover.</p>
<table class="ranked" id="fc-table"><caption class="sr-only">Mean PAI by method and share of the area</caption><thead><tr><th>method</th><th>area</th><th>PAI</th><th>vs baseline</th><th>months better</th></tr></thead><tbody>${rows}</tbody></table>
<ul class="verdict">${(r.verdict || []).map((v) => `<li>${esc(v)}</li>`).join('')}</ul>`
      : `<p class="muted">${esc((r.verdict || []).join(' ') || 'Not enough months held to test a forecast.')}</p>`;
  } catch (err) {
    $('fc-out').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

// ---------------------------------------------------------------- planners

function planFilters() {
  const body = { res: currentRes() };
  if (state.periods.length) { body.from = fromLabel(); body.to = toLabel(); }
  if (state.area) body.area = state.area;
  if (state.cats.length) body.categories = state.cats;
  return body;
}

function showLayer(id) {
  state.on.add(id);
  applyVisibility(id);
  renderLayerList();
  writeURL();
}

async function planCameras(e) {
  e.preventDefault();
  // the map's weight (count or harm) is what the sites cover
  const body = { ...planFilters(), k: +$('cam-k').value, radius_m: +$('cam-r').value, min_spacing_m: +$('cam-gap').value, weight: state.weight };
  // the register as it stood on another day (to review a past plan); blank is today
  if ($('cam-on').value) body.existing_on = $('cam-on').value;
  $('cam-out').textContent = 'Planning…';
  try {
    const plan = await post('/api/v1/cameras/plan', body);
    state.plan = { ...plan, query: body };
    state.markers.forEach((m) => m.remove());
    state.markers = plan.features.map((f) => {
      const el = document.createElement('div');
      el.className = 'camera-marker';
      el.textContent = f.properties.rank;
      el.title = `Camera ${f.properties.rank}: covers ${fmt(f.properties.gain)} more (${fmt(f.properties.share * 100, 1)}% in all)`;
      return new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(map);
    });
    const covers = plan.features.map((f) => circle(f.geometry.coordinates, body.radius_m));
    map.getSource('cameras').setData({ type: 'FeatureCollection', features: [...covers, ...plan.features] });
    showLayer('cameras');
    const unit = plan.weight === 'harm' ? 'harm' : 'incidents';
    const n = plan.features.length;
    // existing_source names the day the register was read for ("... in service on 2025-06-01")
    const day = (plan.existing_source || '').match(/\d{4}-\d{2}-\d{2}$/)?.[0] || '';
    $('cam-out').innerHTML = (plan.existing
      ? `<p>${fmt(plan.existing)} fixed camera${plan.existing === 1 ? '' : 's'} ${plan.existing_cameras ? `from the register, in service on ${day},` : 'given'} already cover ${fmt(plan.by_existing)} of the ${fmt(plan.total)} ${unit}; with the ${n} sites, ${fmt(plan.share * 100, 1)}% are covered (${fmt(plan.candidates)} candidate sites).</p>`
      : `<p>${n} sites cover ${fmt(plan.share * 100, 1)}% of the ${fmt(plan.total)} ${unit} (${fmt(plan.candidates)} candidate sites).</p><p class="muted">No fixed camera on the register was in service on ${day}: the sites are planned as if there were none.</p>`)
      + curve(plan.curve);
    // the register (the cameras counted as there already, and the mobile units a site may
    // take) is shown with the sites
    if (!state.denied.has('register')) {
      state.on.add('register'); await loadLayer('register'); showLayer('register'); deployForm();
      // and what the cameras already there cover, in grey under the sites' green
      const there = new Set(plan.existing_cameras || []);
      const held = (state.data.register?.features || []).filter((f) => there.has(f.id))
        .map((f) => ({ ...circle(f.geometry.coordinates, body.radius_m), properties: { existing: true } }));
      if (held.length) map.getSource('cameras').setData({ type: 'FeatureCollection', features: [...held, ...covers, ...plan.features] });
    }
    renderLegend();
  } catch (err) {
    $('cam-out').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

// deployForm offers to record a mobile unit of the register at one of the planned sites:
// the register then holds the unit there from the day given (POST /api/v1/cameras).
function deployForm() {
  const units = (state.data.register?.features || []).filter((f) => f.properties.kind === 'mobile');
  if (!units.length || !state.plan?.features.length) return;
  const today = localInput(new Date()).slice(0, 10);
  $('cam-out').insertAdjacentHTML('beforeend', `<form id="deploy-form"><h4>Move a mobile unit to a site</h4>
<label for="deploy-unit">Unit</label><select id="deploy-unit">${units.map((f) => `<option value="${esc(f.properties.id)}">${esc(f.properties.name)}</option>`).join('')}</select>
<label for="deploy-site">Site</label><select id="deploy-site">${state.plan.features.map((f) => `<option value="${f.properties.rank}">${f.properties.rank}: covers ${fmt(f.properties.gain)} more</option>`).join('')}</select>
<label for="deploy-day">There from</label><input id="deploy-day" type="date" required value="${today}">
<button type="submit">Record in the register</button><p id="deploy-msg" role="status"></p></form>`);
  $('deploy-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const unit = units.find((f) => f.properties.id === $('deploy-unit').value);
    const site = state.plan.features.find((f) => String(f.properties.rank) === $('deploy-site').value);
    const [lon, lat] = site.geometry.coordinates;
    try {
      await post('/api/v1/cameras', { id: unit.properties.id, name: unit.properties.name, kind: 'mobile', lon, lat, active_from: $('deploy-day').value });
      await loadLayer('register');
      $('deploy-msg').className = '';
      $('deploy-msg').textContent = `${unit.properties.name} recorded at site ${site.properties.rank} from ${$('deploy-day').value}.`;
    } catch (err) {
      $('deploy-msg').className = 'error-text';
      $('deploy-msg').textContent = err.message;
    }
  });
}

// circle approximates a coverage disc as a 48-gon (for drawing only).
function circle([lon, lat], r) {
  const pts = [];
  for (let i = 0; i <= 48; i++) {
    const a = (i / 48) * 2 * Math.PI;
    pts.push([lon + (r * Math.cos(a)) / (111320 * Math.cos((lat * Math.PI) / 180)), lat + (r * Math.sin(a)) / 110540]);
  }
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [pts] } };
}

async function rankTargets(e) {
  e.preventDefault();
  const q = filters();
  q.delete('res');
  q.set('radius_m', $('tp-radius').value);
  q.set('cooldown_days', $('tp-cool').value);
  $('tp-out').textContent = 'Ranking…';
  try {
    const ts = await api('/api/v1/test-purchase/targets?' + q);
    state.targets = ts;
    state.targetsQuery = q;
    $('tp-csv').disabled = false;
    if (!state.data.retailers) { state.on.add('retailers'); await loadLayer('retailers'); }
    showLayer('retailers');
    const rows = ts.features.slice(0, 25).map((f) => `<tr tabindex="0" data-id="${esc(f.properties.id)}"><td>${f.properties.rank}</td><td>${esc(f.properties.name)}</td><td>${fmt(f.properties.score, 1)}</td></tr>`).join('');
    $('tp-out').innerHTML = `<p>${fmt(ts.features.length)} retailers ranked, ${fmt(ts.excluded.length)} in cool-down.</p>${(ts.notes || []).map((n) => `<p class="muted">${esc(n)}</p>`).join('')}
<table class="ranked"><thead><tr><th>#</th><th>retailer</th><th>score</th></tr></thead><tbody>${rows}</tbody></table>`;
  } catch (err) {
    $('tp-out').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

function selectTarget(id) {
  const f = state.targets?.features.find((x) => x.properties.id === id);
  if (!f) return;
  map.setFilter('retailers-hl', ['==', ['get', 'id'], id]);
  map.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 14) });
  for (const tr of $('tp-out').querySelectorAll('tr')) tr.classList.toggle('selected', tr.dataset.id === id);
  const shop = state.data.retailers?.features.find((x) => x.properties.id === id);
  retailerInfo(shop ? shop.properties : { ...f.properties, tests: [] });
}

async function propose(e) {
  e.preventDefault();
  const body = { ...planFilters(), max_area_km2: +$('s60-max').value };
  $('s60-out').textContent = 'Finding areas…';
  try {
    const ps = await post('/api/v1/section60/proposals', body);
    state.proposals = ps;
    state.proposalsQuery = body;
    map.getSource('proposals').setData(ps);
    showLayer('proposals');
    $('s60-out').innerHTML = ps.features.length ? ps.features.map((f) => {
      const p = f.properties;
      return `<div class="proposal"><strong>#${p.rank}</strong> ${fmt(p.area_km2, 2)} km², ${fmt(p.incidents)} incidents, Gi* z ${fmt(p.z_min, 1)}–${fmt(p.z_max, 1)}
<button type="button" data-review="${p.rank}">Review and authorise</button></div>`;
    }).join('') : `<p>No significant hot spot cluster in this period (${fmt(ps.significant_hot_cells)} significant hot cells).</p>`;
    renderLegend();
  } catch (err) {
    $('s60-out').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

function proposalInfo(rank) {
  const f = state.proposals?.features.find((x) => x.properties.rank === rank);
  if (!f) return;
  const p = f.properties;
  showInfo(`<h3>Section 60 proposal #${p.rank}</h3>` + table([['area', `${fmt(p.area_km2, 2)} km²`], ['incidents', fmt(p.incidents)], ['harm', fmt(p.harm, 1)],
    ['Gi* z', `${fmt(p.z_min, 2)} to ${fmt(p.z_max, 2)}`], ['largest p (FDR)', fmtP(p.p_fdr_max)]]) + `<p>${esc(p.grounds)}</p><button type="button" data-review="${p.rank}">Review and authorise</button>`);
}

const localInput = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

function review(rank) {
  const f = state.proposals?.features.find((x) => x.properties.rank === rank);
  if (!f) return;
  state.reviewing = f;
  $('p-s60').open = true;
  $('auth-form').hidden = false;
  $('auth-prop').textContent = '#' + rank;
  $('auth-grounds').value = f.properties.grounds;
  const start = new Date();
  start.setSeconds(0, 0);
  $('auth-start').value = localInput(start);
  $('auth-end').value = localInput(new Date(start.getTime() + 15 * 3600 * 1000));
  $('auth-officer').focus();
}

async function authorise(e) {
  e.preventDefault();
  const f = state.reviewing;
  const body = { area: f.geometry, grounds: $('auth-grounds').value, officer: $('auth-officer').value, rank: $('auth-rank').value,
    start: new Date($('auth-start').value).toISOString(), end: new Date($('auth-end').value).toISOString(), proposal: String(f.properties.rank) };
  try {
    const a = await post('/api/v1/section60/authorisations', body);
    $('auth-form').hidden = true;
    $('s60-out').insertAdjacentHTML('afterbegin', `<p><strong>Authorisation ${a.id} recorded</strong>, ${esc(a.properties.status)} until ${esc(a.properties.ends)}.</p>`);
    showLayer('authorisations');
    await loadLayer('authorisations');
    renderLegend();
  } catch (err) {
    $('s60-out').insertAdjacentHTML('afterbegin', `<p class="error-text">${esc(err.message)}</p>`);
  }
}

const when = (iso) => (iso ? iso.replace('T', ' ').replace(/:00Z$|Z$/, '') + ' UTC' : '–');

// showRegister lists every authorisation, in force or past, each with its scrutiny report:
// what a commander reviews afterwards and a community scrutiny group reads (a viewer's key).
async function showRegister() {
  $('s60-reg').textContent = 'Reading the register…';
  try {
    const reg = await api('/api/v1/section60/authorisations');
    state.register = reg;
    $('s60-reg').innerHTML = reg.features.length ? `<table class="register"><tr><th>#</th><th>status</th><th>in force</th><th>authorised by</th><th></th></tr>${
      reg.features.map((f) => { const p = f.properties; return `<tr><td>${esc(p.id)}</td><td>${esc(p.status)}</td><td>${esc(when(p.start))} to ${esc(when(p.ends))}</td><td>${esc(p.officer)}, ${esc(p.rank)}</td>
<td><button type="button" data-scrutiny="${esc(p.id)}">Scrutiny</button>${may('section60') && (p.status === 'active' || p.status === 'scheduled') ? `<button type="button" data-extend="${esc(p.id)}"${p.extension ? ' disabled title="extended once already"' : ''}>Extend</button><button type="button" data-cancel="${esc(p.id)}">Cancel</button>` : ''}</td></tr>`; }).join('')}</table>` : '<p>No authorisations recorded.</p>';
  } catch (err) {
    $('s60-reg').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

// changeForm asks, in the details panel, for an extension (s60(3): one, by a superintendent
// or above, at most 24 hours more) or a cancellation of authorisation id; the server holds
// it to the statute and says why when it refuses.
function changeForm(id, kind) {
  const now = new Date();
  now.setSeconds(0, 0);
  const extend = kind === 'extend';
  showInfo(`<h3>${extend ? 'Extend' : 'Cancel'} authorisation ${esc(id)}</h3><form id="change-form">
<label for="ch-officer">${extend ? 'Directing officer' : 'Officer cancelling it'}</label><input id="ch-officer" required>
${extend ? `<label for="ch-rank">Rank</label><select id="ch-rank"><option>Superintendent</option><option>Chief Superintendent</option><option>Assistant Chief Constable</option><option>Deputy Chief Constable</option><option>Chief Constable</option></select>
<label for="ch-end">New end (at most 24 hours after the first)</label><input id="ch-end" type="datetime-local" required>` : ''}
<label for="ch-reason">Reason</label><input id="ch-reason" required maxlength="1000">
<button type="submit">${extend ? 'Record the extension' : 'Record the cancellation'}</button><p id="ch-msg" role="status"></p></form>`);
  if (extend) {
    const a = state.register?.features.find((f) => String(f.properties.id) === String(id));
    if (a) $('ch-end').value = localInput(new Date(new Date(a.properties.end).getTime() + 24 * 3600 * 1000));
  }
  $('ch-officer').focus();
  $('change-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { officer: $('ch-officer').value, reason: $('ch-reason').value, at: now.toISOString() };
    if (extend) Object.assign(body, { rank: $('ch-rank').value, end: new Date($('ch-end').value).toISOString() });
    try {
      const a = await post(`/api/v1/section60/authorisations/${encodeURIComponent(id)}/${extend ? 'extend' : 'cancel'}`, body);
      $('ch-msg').textContent = `Recorded: ${a.properties.status}, in force until ${when(a.properties.ends)}.`;
      await Promise.all([showRegister(), loadLayer('authorisations')]);
    } catch (err) {
      $('ch-msg').textContent = err.message;
      $('ch-msg').className = 'error-text';
    }
  });
}

// scrutinyInfo shows an authorisation's scrutiny report: the searches made in its area and
// hours, their outcomes and who was searched, and the searches that cannot be placed.
async function scrutinyInfo(id) {
  const path = `/api/v1/section60/authorisations/${encodeURIComponent(id)}/scrutiny`;
  try {
    const r = await api(path);
    const top = (rows) => table(rows.slice(0, 6).map((c) => [c.value, `${fmt(c.n)} (${fmt(100 * c.share, 0)}%)`]));
    showInfo(`<h3>Scrutiny: authorisation ${esc(id)}</h3>` + table([['searches in the area and hours', fmt(r.searches)], ['under section 60', fmt(r.under_section_60)],
      ['finds (outcome linked to the object)', `${fmt(r.finds)} (${fmt(100 * r.find_rate, 1)}%)`], ['arrests', `${fmt(r.arrests)} (${fmt(100 * r.arrest_rate, 1)}%)`],
      ['no further action', fmt(r.no_further_action)], ['searches in these hours with no location', fmt(r.without_location)],
      ['records held for its months', r.stop_search_months.map((m) => `${m.month}: ${fmt(m.searches)}`).join('; ')]]) +
      (r.searches ? `<strong>Officer-defined ethnicity</strong>${top(r.officer_defined_ethnicity)}<strong>Self-defined ethnicity</strong>${top(r.self_defined_ethnicity)}` : '') +
      `<p class="muted">${esc(r.note)}</p><button type="button" id="scrutiny-print">Printable report</button>`);
    $('scrutiny-print').addEventListener('click', () => openPrintable(path + '?format=html', `scrutiny-${id}.html`));
  } catch (err) {
    failed('The scrutiny report', err);
  }
}

// openPrintable opens a printable HTML report of the API in a new tab; the request carries
// the key, so the page comes as a blob, not a link. A blocked pop-up downloads it instead.
async function openPrintable(path, name) {
  const win = window.open('', '_blank'); // opened at the click, so that it is not blocked
  try {
    const res = await fetch(path, { headers: authHeader() });
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    const page = new Blob([await res.text()], { type: 'text/html' });
    if (!win) { saveBlob(page, name); return; }
    const url = URL.createObjectURL(page);
    win.location = url;
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) { win?.close(); failed('The printable report', err); }
}

// searchesOverTime shows stop and search month by month (all searches or section 60 alone,
// everywhere or in the chosen area): searches, find rate and who was searched, with the
// months whose data is not imported said plainly.
async function searchesOverTime(e) {
  e.preventDefault();
  const q = new URLSearchParams({ legislation: $('ss-leg').value });
  if ($('ss-area').checked && state.area) q.set('area', state.area);
  $('ss-out').textContent = 'Counting…';
  try {
    const r = await api('/api/v1/stop-search?' + q);
    if (!r.months.length) { $('ss-out').innerHTML = `<p>${esc(r.note)}</p>`; return; }
    const held = r.months.filter((m) => m.imported);
    const labels = held.map((m) => m.month);
    const t = r.total;
    $('ss-out').innerHTML = `<p>${fmt(t.searches)} searches, ${esc(r.from)} to ${esc(r.to)}${r.months_not_imported.length ? ` (${r.months_not_imported.length} of ${r.months.length} months not imported)` : ''}.</p>` +
      sparkline(held.map((m) => m.searches), labels, { title: 'Searches by month' }) +
      '<p class="muted">Find rate by month (%)</p>' + sparkline(held.map((m) => Math.round(1000 * m.find_rate) / 10), labels, { title: 'Find rate by month' }) +
      table([['under section 60', fmt(t.under_section_60)], ['finds', `${fmt(t.finds)} (${fmt(100 * t.find_rate, 1)}%)`], ['arrests', `${fmt(t.arrests)} (${fmt(100 * t.arrest_rate, 1)}%)`],
        ['with no location', fmt(t.without_location)]]) +
      '<strong>Officer-defined ethnicity</strong>' + table(t.officer_defined_ethnicity.map((c) => [c.value, `${fmt(c.n)} (${fmt(100 * c.share, 0)}%)`])) +
      `<p class="muted">${esc(r.note)}</p><button type="button" id="ss-print">Printable report</button>`;
    $('ss-print').addEventListener('click', () => openPrintable('/api/v1/stop-search?' + q + '&format=html', 'stop-and-search.html'));
  } catch (err) {
    $('ss-out').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

function wirePlanners() {
  $('ss-form').addEventListener('submit', searchesOverTime);
  $('cam-form').addEventListener('submit', planCameras);
  $('tp-form').addEventListener('submit', rankTargets);
  $('tp-csv').addEventListener('click', () => download('/api/v1/test-purchase/targets?' + state.targetsQuery + '&format=csv', 'test-purchase-targets.csv').catch((e) => failed('CSV', e)));
  $('fc-form').addEventListener('submit', checkForecasts);
  $('p-top').addEventListener('toggle', () => topHotspots());
  $('top-out').addEventListener('click', (e) => { const tr = e.target.closest('tr[data-cell]'); if (tr) chooseHotspot(tr.dataset.cell); });
  $('top-out').addEventListener('keydown', (e) => { const tr = e.target.closest('tr[data-cell]'); if (tr && e.key === 'Enter') chooseHotspot(tr.dataset.cell); });
  $('tp-out').addEventListener('click', (e) => { const tr = e.target.closest('tr[data-id]'); if (tr) selectTarget(tr.dataset.id); });
  $('tp-out').addEventListener('keydown', (e) => { const tr = e.target.closest('tr[data-id]'); if (tr && e.key === 'Enter') selectTarget(tr.dataset.id); });
  $('s60-form').addEventListener('submit', propose);
  document.body.addEventListener('click', (e) => {
    const r = e.target.dataset?.review;
    if (r) review(+r);
    const sc = e.target.dataset?.scrutiny;
    if (sc) scrutinyInfo(sc);
    const ex = e.target.dataset?.extend ?? e.target.dataset?.cancel;
    if (ex) changeForm(ex, e.target.dataset.extend ? 'extend' : 'cancel');
  });
  $('s60-register').addEventListener('click', showRegister);
  $('auth-form').addEventListener('submit', authorise);
  $('auth-cancel').addEventListener('click', () => { $('auth-form').hidden = true; });
}

// ---------------------------------------------------------------- export

function exportQuery(id) {
  const def = LAYERS[id];
  let q = new URLSearchParams();
  if (def.analysis && id !== 'change') q = filters();
  if (id === 'change') q = new URLSearchParams(changeQuery());
  if (id === 'hotspots') { q.set('method', state.method); q.set('weight', state.weight); q.set('k', state.k); }
  if (id === 'kde') { q.set('method', 'kde'); q.set('weight', state.weight); }
  if (id === 'emerging') q.set('weight', state.weight);
  if (id === 'outliers') { q.set('weight', state.weight); q.set('k', state.k); }
  if (id === 'incidents') setPeriod(q);
  if (id === 'cameras' && state.plan) {
    const b = state.plan.query;
    q = filters(); q.set('res', b.res); q.set('k', b.k); q.set('radius_m', b.radius_m); q.set('min_spacing_m', b.min_spacing_m); q.set('weight', b.weight);
    if (b.existing_on) q.set('existing_on', b.existing_on);
  }
  if (id === 'proposals' && state.proposalsQuery) { q = filters(); q.set('max_area_km2', state.proposalsQuery.max_area_km2); }
  if (id === 'authorisations') q.set('status', 'active');
  return q;
}

// ---------------------------------------------------------------- import

// wireImport sends the chosen file to POST /api/v1/imports (a ZIP imports each file in it),
// shows each file's report, and brings the map up to the data now held.
function wireImport() {
  $('imp-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = $('imp-file').files[0];
    if (!file) return;
    const q = new URLSearchParams({ name: file.name });
    for (const k of ['lon', 'lat', 'time', 'category', 'id']) if ($('imp-' + k).value.trim()) q.set(k, $('imp-' + k).value.trim());
    $('imp-out').innerHTML = `<p class="muted">Importing ${esc(file.name)} (${fmt(file.size / 1e6, 1)} MB)…</p>`;
    try {
      const r = await upload('/api/v1/imports?' + q, file);
      $('imp-out').innerHTML = `<p>${fmt(r.added)} new records from ${fmt(r.files.length)} file${r.files.length === 1 ? '' : 's'}${r.refused ? `, ${fmt(r.refused)} refused` : ''}; ${fmt(r.incidents)} incidents held.</p>`
        + r.files.map((f) => (f.refused ? `<p class="error-text">${esc(f.refused)}</p>` : `<pre class="report">${esc(f.summary)}</pre>`)).join('');
      await afterImport();
      await listImports();
    } catch (err) {
      $('imp-out').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
    }
  });
  $('imp-held').addEventListener('toggle', listImports);
  $('imp-list').addEventListener('click', (e) => { const id = e.target.dataset?.withdraw; if (id) withdrawImport(id); });
}

// listImports shows the imports held, newest first (GET /api/v1/imports); an admin may
// withdraw one of incidents, searches or outcomes (DELETE /api/v1/imports/{id}), which
// takes its rows with it, after saying what would go.
const WITHDRAWABLE = ['street', 'stop-search', 'outcomes', 'generic-csv', 'geojson-points'];
async function listImports() {
  const out = $('imp-list');
  if (!$('imp-held').open) return;
  try {
    const { imports } = await api('/api/v1/imports');
    const admin = may('admin');
    out.innerHTML = imports.length ? `<table class="ranked"><thead><tr><th>#</th><th>file</th><th>kind</th><th>added</th>${admin ? '<th><span class="sr-only">withdraw</span></th>' : ''}</tr></thead><tbody>`
      + imports.map((b) => `<tr><td>${b.id}</td><td title="imported ${esc(b.imported_at)}, SHA-256 ${esc(b.sha256)}">${esc(b.source)}</td><td>${esc(b.kind)}</td><td>${fmt(b.added)}</td>`
        + (admin ? `<td>${WITHDRAWABLE.includes(b.kind) ? `<button type="button" data-withdraw="${b.id}" aria-label="Withdraw import ${b.id}, ${esc(b.source)}">Withdraw</button>` : ''}</td>` : '') + '</tr>').join('')
      + '</tbody></table>' : '<p class="muted">No imports yet.</p>';
  } catch (err) {
    out.innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

async function withdrawImport(id) {
  const b = [...$('imp-list').querySelectorAll('tr')].find((tr) => tr.querySelector(`[data-withdraw="${id}"]`));
  const name = b ? b.children[1].textContent : `import ${id}`;
  if (!confirm(`Withdraw import ${id} (${name})? Every record it added is removed from the store; the audit log keeps the withdrawal.`)) return;
  try {
    const w = await request(`/api/v1/imports/${id}`, { method: 'DELETE' });
    $('imp-out').innerHTML = `<p>Withdrew import ${w.withdrawn.id} (${esc(w.withdrawn.source)}): ${fmt(w.incidents)} incidents, ${fmt(w.stop_searches)} stop-and-search records and ${fmt(w.outcomes)} outcomes removed; ${fmt(w.incidents_held)} incidents held.</p>`;
    await listImports();
    await afterImport();
  } catch (err) {
    $('imp-out').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

// afterImport reads the status again and moves the time slider's range to the data now
// held (keeping the chosen window, or following the newest month when it showed the last),
// reloads the boundaries and draws the layers again.
async function afterImport() {
  const [status, bounds] = await Promise.all([api('/api/v1/status'), api('/api/v1/boundaries?geometry=bbox')]);
  const from = fromLabel(), to = toLabel(), atEnd = state.toI >= state.periods.length - 1;
  state.status = status;
  $('summary').textContent = summaryText(status);
  if (status.first) {
    state.periods = periodsBetween(status.first, status.last, state.unit);
    const last = state.periods.length - 1;
    const at = (label, def) => { const i = state.periods.indexOf(label); return i >= 0 ? i : def; };
    state.toI = atEnd ? last : at(to, last);
    state.fromI = Math.min(state.toI, at(from, Math.max(0, state.toI - (state.unit === 'day' ? 27 : 5))));
  }
  if (status.categories?.length && status.categories.join('|') !== state.allCats.join('|')) {
    state.allCats = status.categories;
    $('cat-list').innerHTML = state.allCats.map((c) => `<label><input type="checkbox" value="${esc(c)}" checked>${esc(c)}</label>`).join('');
  }
  state.boundaries = bounds;
  map.getSource('boundaries').setTiles([boundaryTiles()]);
  listAreas();
  syncControls();
  await refresh('import');
}

function wireExport() {
  // the layers the key may download (/api/v1/export/... asks the same permissions)
  const offered = Object.entries(LAYERS).filter(([, d]) => may(d.dl || d.perm || 'export'));
  fillSelect($('export-layer'), offered.map(([id, d]) => [id, d.title]));
  for (const id of ['export-layer', 'export-geojson', 'export-csv']) $(id).disabled = !offered.length;
  const go = (format) => {
    const id = $('export-layer').value;
    const q = exportQuery(id);
    q.set('format', format);
    download(`/api/v1/export/${LAYERS[id].exportId}?` + q, `hexbeat-${id}.${format}`)
      .then(() => setStatus(`Exported ${LAYERS[id].title.toLowerCase()} as ${format.toUpperCase()}.`))
      .catch((e) => failed('Export', e));
  };
  $('export-geojson').addEventListener('click', () => go('geojson'));
  $('export-csv').addEventListener('click', () => go('csv'));
  $('export-png').addEventListener('click', () => {
    map.once('render', () => map.getCanvas().toBlob((b) => saveBlob(b, 'hexbeat-map.png')));
    map.triggerRepaint();
  });
}

// ---------------------------------------------------------------- start

function fitTo(features) {
  let minX = 180, minY = 90, maxX = -180, maxY = -90;
  const visit = (c) => { if (typeof c[0] === 'number') { minX = Math.min(minX, c[0]); maxX = Math.max(maxX, c[0]); minY = Math.min(minY, c[1]); maxY = Math.max(maxY, c[1]); } else c.forEach(visit); };
  // a feature's bbox (the boundaries' list has no outlines), else its coordinates
  features.forEach((f) => (f.bbox ? visit([f.bbox.slice(0, 2), f.bbox.slice(2, 4)]) : f.geometry && visit(f.geometry.coordinates)));
  if (minX <= maxX) map.fitBounds([[minX, minY], [maxX, maxY]], { padding: 40, duration: 0 });
}

// periodsBetween lists the months (YYYY-MM) or days (YYYY-MM-DD) from first to last (RFC
// 3339 instants, UTC): the positions of the time slider, at most 7,305 (20 years of days).
function periodsBetween(first, last, unit) {
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
const periodStart = (label) => new Date((label.length === 7 ? label + '-01' : label) + 'T00:00:00Z');
function periodEnd(label) {
  const d = periodStart(label);
  if (label.length === 7) d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

const fromLabel = () => state.periods[state.fromI];
const toLabel = () => state.periods[state.toI];

// setPeriod puts the chosen period in a query as from and to (the API takes months or days).
function setPeriod(q) {
  if (state.periods.length) { q.set('from', fromLabel()); q.set('to', toLabel()); }
}

// setUnit switches the time slider between months and days, keeping the period: months to
// their days (within the data), days to their months.
function setUnit(unit) {
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
const may = (perm) => !state.status?.permissions || state.status.permissions.includes(perm);

// offerWhatTheKeyMay hides the planners the key's role may not use: a community scrutiny
// group's viewer key reads the register and the stop-and-search panel, and is not offered
// Section 60 proposals, the test-purchase ranking or camera plans.
function offerWhatTheKeyMay(status) {
  $('s60-form').hidden = !may('section60');
  $('p-tp').hidden = !may('retailers');
  $('p-cam').hidden = !may('cameras');
  $('p-imp').hidden = !may('import') || status.demo; // the demo store takes no imports
  if (status.role && status.role !== 'open') $('summary').title = `Signed in with a ${status.role} key`;
}

const summaryText = (status) => `${status.demo ? 'Demo data. ' : ''}${fmt(status.incidents)} incidents` + (status.first ? `, ${status.first.slice(0, 7)} to ${status.last.slice(0, 7)}` : '');

async function start() {
  let status;
  try {
    status = await api('/api/v1/status');
  } catch (e) {
    $('summary').textContent = e.status === 401 ? 'Sign in with an API key to see the map.' : 'The server did not answer: ' + e.message;
    failed('Status', e);
    return;
  }
  state.status = status;
  offerWhatTheKeyMay(status);
  if (status.demo) $('demo-banner').hidden = false;
  $('summary').textContent = summaryText(status);
  $('signin').hidden = false;
  if (status.first) {
    // days only for data dated to the day: police.uk's are dated to the month alone
    const byDay = status.time_precision === 'day';
    $('unit').querySelector('option[value=day]').disabled = !byDay;
    $('unit').title = byDay ? 'Move the time slider by months or by days' : 'These data are dated to the month alone (police.uk), so the slider moves by months';
    state.unit = byDay && new URLSearchParams(location.search).get('unit') === 'day' ? 'day' : 'month';
    state.periods = periodsBetween(status.first, status.last, state.unit);
    state.toI = state.periods.length - 1;
    state.fromI = Math.max(0, state.toI - (state.unit === 'day' ? 27 : 5)); // six months, or four weeks
  }
  const [cats, bounds] = await Promise.all([api('/api/v1/categories'), api('/api/v1/boundaries?geometry=bbox')]);
  // the categories present in the data (a force's own included), else the taxonomy
  state.allCats = status.categories?.length ? status.categories : cats.categories.map((c) => c.name);
  state.boundaries = bounds;
  $('cat-list').innerHTML = state.allCats.map((c) => `<label><input type="checkbox" value="${esc(c)}" checked>${esc(c)}</label>`).join('');
  fillSelect($('res'), [5, 6, 7, 8, 9, 10, 11].map((r) => [String(r), `${r}`]));
  readURL();
  listAreas(); // after readURL: the area chosen in the URL is always listed
  syncControls();
  renderLayerList();

  map = new maplibregl.Map({
    container: 'map',
    style: basemapStyle(status.basemap),
    center: state.view?.center ?? [-0.76, 52.04],
    zoom: state.view?.zoom ?? 10,
    preserveDrawingBuffer: true, // the PNG export reads the canvas
    // the hexbeat tiles need the key; nothing else (a basemap) gets it
    transformRequest: (url) => (url.startsWith(location.origin + '/tiles/') ? { url, headers: authHeader() } : undefined),
    attributionControl: { compact: true, customAttribution: status.demo ? 'Synthetic demo data' : 'Contains public sector information licensed under the Open Government Licence v3.0' },
  });
  let fellBack = false;
  map.on('error', (e) => {
    if (!fellBack && status.basemap && !map.loaded()) { fellBack = true; setStatus('The basemap could not be loaded; drawing without it.', { error: true }); map.setStyle(blankStyle()); }
    else console.warn('map:', e.error?.message || e);
  });
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  window.hexbeat = { map: null, state, timings, LAYERS };
  map.on('load', async () => {
    addLayers();
    if (!state.view && bounds.features.length) fitTo(state.area ? bounds.features.filter((f) => f.id === state.area) : bounds.features);
    wireClicks();
    let lastRes = currentRes();
    map.on('moveend', () => {
      writeURL();
      if (state.on.has('incidents')) loadLayer('incidents').catch(() => {});
      if (state.res === 'auto' && currentRes() !== lastRes) { lastRes = currentRes(); refresh('zoom'); }
    });
    await refresh('first');
    window.hexbeat.map = map; // for browser tests: ask the map what it drew
  });
  wireControls();
  wireLayerList();
  wirePlanners();
  wireExport();
  wireImport();
}

$('keyform').addEventListener('submit', (e) => {
  e.preventDefault();
  setKey($('key').value.trim());
  location.reload();
});
$('signout').addEventListener('click', () => { setKey(''); location.reload(); });

start();
