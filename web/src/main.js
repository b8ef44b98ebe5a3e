// hexbeat web map: incident counts on H3 hexagons, boundaries as a layer, no basemap
// unless the server is configured with one. Every figure comes from the API.
import * as maplibregl from 'maplibre-gl';

maplibregl.setWorkerUrl(new URL('maplibre-gl-worker.mjs', import.meta.url).href);

// The API key comes as ?key=... once and is remembered in localStorage.
const KEY_STORE = 'hexbeat.apiKey';
const params = new URLSearchParams(location.search);
if (params.get('key')) {
  localStorage.setItem(KEY_STORE, params.get('key'));
  params.delete('key');
  history.replaceState(null, '', location.pathname + (params.toString() ? '?' + params : ''));
}

const $ = (id) => document.getElementById(id);

async function api(path) {
  const headers = {};
  const key = localStorage.getItem(KEY_STORE);
  if (key) headers.Authorization = 'Bearer ' + key;
  const res = await fetch(path, { headers });
  if (!res.ok) {
    let detail = res.statusText;
    try { const p = await res.json(); detail = p.detail + (p.errors ? ': ' + p.errors.map((e) => e.field + ' ' + e.message).join('; ') : ''); } catch { /* not problem+json */ }
    const err = new Error(`${res.status} ${detail}`);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

// colour ramp for counts (sequential, colour-blind safe)
const RAMP = ['#fff5eb', '#fdd0a2', '#fdae6b', '#fd8d3c', '#f16913', '#d94801', '#8c2d04'];

function breaks(values) {
  const v = values.filter((x) => x > 0).sort((a, b) => a - b);
  if (!v.length) return [1, 2, 3, 4, 5, 6];
  const q = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  const out = [];
  for (const p of [0.3, 0.5, 0.7, 0.85, 0.95, 0.99]) {
    const b = Math.max(q(p), (out[out.length - 1] ?? 0) + 1);
    out.push(b);
  }
  return out;
}

function blankStyle() {
  return { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } }] };
}

const state = { status: null, boundaries: null, cells: null, map: null };

function setStatus(text) { $('status').textContent = text; }

function fillSelect(sel, items) {
  for (const [value, label] of items) {
    const o = document.createElement('option');
    o.value = value; o.textContent = label; sel.appendChild(o);
  }
}

function query() {
  const q = new URLSearchParams({ res: $('res').value });
  if ($('from').value) q.set('from', $('from').value);
  if ($('to').value) q.set('to', $('to').value);
  if ($('category').value) q.set('category', $('category').value);
  if ($('area').value) q.set('area', $('area').value);
  return q;
}

function legend(b) {
  // colour RAMP[i+1] covers counts from b[i] up to b[i+1]-1; RAMP[0] covers counts below b[0]
  const rows = [];
  const span = (lo, hi) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  if (b[0] > 1) rows.push([RAMP[0], span(1, b[0] - 1)]);
  b.forEach((lo, i) => rows.push([RAMP[i + 1], i + 1 < b.length ? span(lo, b[i + 1] - 1) : `${lo}+`]));
  $('legend').innerHTML = '<strong>Incidents per hexagon</strong>' +
    rows.map(([c, t]) => `<div class="row"><span class="sw" style="background:${c}"></span>${t}</div>`).join('');
}

async function refreshCells() {
  const map = state.map;
  const q = query();
  setStatus('Loading cells…');
  try {
    const fc = await api('/api/v1/cells?' + q);
    const b = breaks(fc.features.map((f) => f.properties.count));
    const colour = ['step', ['get', 'count'], RAMP[0]];
    b.forEach((x, i) => colour.push(x, RAMP[i + 1]));
    state.cells = fc;
    map.getSource('cells').setData(fc);
    map.setPaintProperty('cells-fill', 'fill-color', colour);
    legend(b);
    setStatus(`${fc.total.toLocaleString()} incidents in ${fc.features.length.toLocaleString()} hexagons at resolution ${fc.res}`);
  } catch (e) {
    setStatus(e.status === 401 ? 'An API key is needed: open the "API key" box.' : 'Could not load cells: ' + e.message);
  }
}

function fitTo(fc) {
  let minX = 180, minY = 90, maxX = -180, maxY = -90;
  const visit = (c) => { if (typeof c[0] === 'number') { minX = Math.min(minX, c[0]); maxX = Math.max(maxX, c[0]); minY = Math.min(minY, c[1]); maxY = Math.max(maxY, c[1]); } else c.forEach(visit); };
  fc.features.forEach((f) => f.geometry && visit(f.geometry.coordinates));
  if (minX <= maxX) state.map.fitBounds([[minX, minY], [maxX, maxY]], { padding: 40, duration: 0 });
}

async function start() {
  let status;
  try {
    status = await api('/api/v1/status');
  } catch (e) {
    $('summary').textContent = e.status === 401 ? 'An API key is needed: open the "API key" box below.' : 'The server did not answer: ' + e.message;
    return;
  }
  state.status = status;
  if (status.demo) $('demo-banner').hidden = false;
  $('summary').textContent = `${status.demo ? 'Demo data. ' : ''}${status.incidents.toLocaleString()} incidents` +
    (status.first ? `, ${status.first.slice(0, 7)} to ${status.last.slice(0, 7)}` : '');
  if (status.first) { $('from').value = status.first.slice(0, 7); $('to').value = status.last.slice(0, 7); }
  const cats = await api('/api/v1/categories');
  fillSelect($('category'), cats.categories.map((c) => [c.name, c.name]));
  const bounds = await api('/api/v1/boundaries');
  state.boundaries = bounds;
  fillSelect($('area'), bounds.features.map((f) => [f.id, `${f.properties.name} (${f.properties.kind})`]));

  const map = new maplibregl.Map({
    container: 'map',
    style: status.basemap || blankStyle(),
    center: [-0.76, 52.04],
    zoom: 10,
    attributionControl: { compact: true, customAttribution: status.demo ? 'Synthetic demo data' : 'Contains public sector information licensed under the Open Government Licence v3.0' },
  });
  state.map = map;
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.on('load', async () => {
    map.addSource('boundaries', { type: 'geojson', data: bounds });
    map.addSource('cells', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'boundaries-fill', type: 'fill', source: 'boundaries', paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.6 } });
    map.addLayer({ id: 'cells-fill', type: 'fill', source: 'cells', paint: { 'fill-color': RAMP[3], 'fill-opacity': 0.8, 'fill-outline-color': 'rgba(90,40,0,0.35)' } });
    map.addLayer({ id: 'boundaries-line', type: 'line', source: 'boundaries', paint: { 'line-color': '#37474f', 'line-width': 1.2 } });
    map.on('click', 'cells-fill', (e) => {
      const p = e.features[0].properties;
      new maplibregl.Popup().setLngLat(e.lngLat).setText(`${p.count} incident${p.count === 1 ? '' : 's'} in hexagon ${p.cell}`).addTo(map);
    });
    map.on('mouseenter', 'cells-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'cells-fill', () => { map.getCanvas().style.cursor = ''; });
    if (bounds.features.length) fitTo(bounds);
    await refreshCells();
    if (!bounds.features.length && state.cells) fitTo(state.cells);
    window.hexbeatMap = map; // for browser tests: ask the map what it rendered
  });
  for (const id of ['res', 'from', 'to', 'category', 'area']) {
    $(id).addEventListener('change', () => { $('res-out').value = $('res').value; refreshCells(); });
  }
  $('res').addEventListener('input', () => { $('res-out').value = $('res').value; });
}

$('keyform').addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem(KEY_STORE, $('key').value.trim());
  location.reload();
});

start();
