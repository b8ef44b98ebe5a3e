// The map's layers: how each is drawn (colour-blind safe ramps), loaded from the API (vector
// tiles for hot spots and boundaries) and refreshed when the filters change.
import * as maplibregl from 'maplibre-gl';
import { api } from './api.js';
import { changeQuery, incidentsPath, state, timings, withQ, writeURL } from './state.js';
import { renderLayerList, renderLegend } from './panel.js';
import { topHotspots } from './details.js';
import { failed, fmt, setStatus } from './ui.js';
import { binColour, changeColour, classColour, emergingColour, outlierColour } from './colours.js';
import { disproPath, paintDispro } from './dispro.js';

// Each layer: its title, the MapLibre layers that draw it, and (for those read from the
// API) the request that loads it for the current filters.
export const LAYERS = {
  boundaries: { title: 'Boundaries', style: ['boundaries-fill', 'boundaries-line'], exportId: 'boundaries' },
  // searches per resident by LSOA (stop and search against the Census), for the area chosen
  dispro: { title: 'Searches per 1,000 residents (LSOA)', style: ['dispro-fill', 'dispro-line'], path: disproPath },
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
    path: () => '/api/v1/section60/authorisations?status=active', dl: 'register' },
};

export let map;

// createMap makes the page's one map; the other modules read it as map.
export function createMap(options) {
  map = new maplibregl.Map(options);
  return map;
}

export const empty = { type: 'FeatureCollection', features: [] };

export function blankStyle() {
  return { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } }] };
}

// basemapStyle takes a style JSON URL, or a raster tile template ({z}/{x}/{y}) such as
// OpenStreetMap's, which it wraps in a style with the attribution.
export function basemapStyle(url) {
  if (!url) return blankStyle();
  if (url.includes('{z}')) {
    return { version: 8, sources: { basemap: { type: 'raster', tiles: [url], tileSize: 256, attribution: '© OpenStreetMap contributors' } },
      layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } }, { id: 'basemap', type: 'raster', source: 'basemap' }] };
  }
  return url;
}

export const opacityOf = (id) => state.opacity[id] ?? (id === 'boundaries' ? 1 : 0.8);

export const tileURL = (id) => `${location.origin}/tiles/hotspots/{z}/{x}/{y}.mvt?${LAYERS[id].query()}`;

// boundaries come as tiles too: a national set of LSOAs is too large to send whole; v
// changes with each import, so that the map asks again
export const boundaryTiles = () => `${location.origin}/tiles/boundaries/{z}/{x}/{y}.mvt?v=${state.status?.batches ?? 0}`;

export function addLayers() {
  for (const [id, def] of Object.entries(LAYERS)) {
    if (id === 'boundaries') map.addSource(id, { type: 'vector', tiles: [boundaryTiles()], maxzoom: 16 });
    else if (def.tiled) map.addSource(id, { type: 'vector', tiles: [tileURL(id)], minzoom: 3, maxzoom: 16 });
    else map.addSource(id, { type: 'geojson', data: empty });
  }
  const styles = {
    'boundaries-fill': { type: 'fill', source: 'boundaries', 'source-layer': 'boundaries', paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.45 } },
    'boundaries-line': { type: 'line', source: 'boundaries', 'source-layer': 'boundaries', paint: { 'line-color': '#37474f', 'line-width': 1.2 } },
    'dispro-fill': { type: 'fill', source: 'dispro', paint: { 'fill-color': '#bdbdbd', 'fill-outline-color': 'rgba(0,0,0,0.2)' } },
    'dispro-line': { type: 'line', source: 'dispro', paint: { 'line-color': '#4e342e', 'line-width': 0.7 } },
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

export const OPACITY = { fill: 'fill-opacity', line: 'line-opacity', circle: 'circle-opacity' };

// instant turns off the style's paint transitions (300 ms by default) on a layer's
// properties: the map shows a new colour or opacity at once, and a change is over
// (the map idle) when it is drawn, not 300 ms later.
export function instant(layer) {
  const paint = { ...layer.paint };
  for (const prop of [...Object.keys(layer.paint), OPACITY[layer.type]]) paint[`${prop}-transition`] = { duration: 0, delay: 0 };
  return { ...layer, paint };
}

export function applyVisibility(id) {
  const on = state.on.has(id) && !state.denied.has(id);
  for (const sid of LAYERS[id].style) {
    map.setLayoutProperty(sid, 'visibility', on ? 'visible' : 'none');
    const type = map.getLayer(sid).type;
    const prop = OPACITY[type];
    if (sid === 'boundaries-fill') map.setPaintProperty(sid, prop, 0.45 * opacityOf(id));
    else if (sid.endsWith('-cover') || sid === 'proposals-fill' || sid === 'authorisations-fill') map.setPaintProperty(sid, prop, 0.25 * opacityOf(id));
    // an LSOA's rate on fewer than 10 searches is drawn faint: it is not meaningful alone
    else if (sid === 'dispro-fill') map.setPaintProperty(sid, prop, ['case', ['get', 'small_numbers'], 0.3 * opacityOf(id), opacityOf(id)]);
    else if (id === 'hotspots') map.setPaintProperty(sid, prop, sid === hotspotsShown() ? opacityOf(id) : 0);
    else if (prop) map.setPaintProperty(sid, prop, opacityOf(id));
  }
  if (id === 'cameras') state.markers.forEach((m) => { m.getElement().style.display = on ? '' : 'none'; });
}

export function applyOrder() {
  // state.order runs bottom to top: move each of its MapLibre layers to the top in turn
  for (const id of state.order) for (const sid of LAYERS[id].style) map.moveLayer(sid);
}

export async function loadLayer(id) {
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

export function breaksOf(summary) {
  const b = summary?.value_breaks;
  return b && b.length ? b : [1, 2, 3, 4, 5, 6];
}

// The hot spots are drawn by two fill layers over the same tiles, one coloured by Gi* bin
// (hotspots-fill, which clicks and the layer order go by) and one by the class of the value;
// the one not shown has opacity 0, which MapLibre does not draw. A recolour is then a change
// of two constant opacities, drawn in one frame: a new colour expression would make MapLibre
// lay out every tile again in its worker first.
export const hotspotsShown = () => (state.colour === 'value' || state.method === 'kde' ? 'hotspots-value' : 'hotspots-fill');

export function paint(id, fc) {
  if (id === 'hotspots') {
    state.breaks = breaksOf(fc);
    for (const sid of LAYERS.hotspots.style) map.setPaintProperty(sid, 'fill-opacity', sid === hotspotsShown() ? opacityOf(id) : 0);
  } else if (id === 'kde') {
    state.kdeBreaks = breaksOf(fc);
  } else if (id === 'dispro') {
    paintDispro(fc);
  }
}

// recolour repaints the hotspots without asking the server again.
export function recolour() {
  writeURL();
  if (!state.data.hotspots) return;
  const t0 = performance.now();
  paint('hotspots', state.data.hotspots);
  renderLegend();
  map.once('idle', () => timings.changes.push({ reason: 'colour', ms: Math.round(performance.now() - t0), features: state.data.hotspots.cells }));
}

// refresh reloads the layers that follow the filters; it times the change from the control
// to the map's next idle frame (performance mark hexbeat:change).
export async function refresh(reason = 'filters') {
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

export function summariseStatus() {
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

export function fitTo(features) {
  let minX = 180, minY = 90, maxX = -180, maxY = -90;
  const visit = (c) => { if (typeof c[0] === 'number') { minX = Math.min(minX, c[0]); maxX = Math.max(maxX, c[0]); minY = Math.min(minY, c[1]); maxY = Math.max(maxY, c[1]); } else c.forEach(visit); };
  // a feature's bbox (the boundaries' list has no outlines), else its coordinates
  features.forEach((f) => (f.bbox ? visit([f.bbox.slice(0, 2), f.bbox.slice(2, 4)]) : f.geometry && visit(f.geometry.coordinates)));
  if (minX <= maxX) map.fitBounds([[minX, minY], [maxX, maxY]], { padding: 40, duration: 0 });
}
