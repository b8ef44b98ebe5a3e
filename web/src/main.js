// hexbeat web map: every layer of the API on a MapLibre map (hotspots, KDE, emerging,
// change, incidents, boundaries, retailers, cameras, Section 60 proposals and
// authorisations), the filters and the three planners. The view lives in the URL so that
// it can be shared. No basemap unless the server is configured with one. This module
// starts the page; the others hold one concern each (see docs/architecture.md).
import * as maplibregl from 'maplibre-gl';
import { takeKeyFromURL, api, authHeader, setCSRF, signInConfig } from './api.js';
import { esc } from './charts.js';
import { currentRes, periodsBetween, readURL, state, timings, writeURL } from './state.js';
import { addLayers, basemapStyle, blankStyle, createMap, fitTo, LAYERS, loadLayer, refresh } from './layers.js';
import { fillSelect, listAreas, renderLayerList, syncControls, wireControls, wireLayerList } from './panel.js';
import { wireClicks } from './details.js';
import { wirePlanners } from './planners.js';
import { wireRegister } from './register.js';
import { wireDispro } from './dispro.js';
import { wireExport, wireImport } from './data.js';
import { offerWhatTheKeyMay, summaryText, wireSignIn } from './signin.js';
import { $, failed, setStatus } from './ui.js';

maplibregl.setWorkerUrl(new URL('maplibre-gl-worker.mjs', import.meta.url).href);
performance.mark('hexbeat:boot');
takeKeyFromURL();

async function start() {
  let status;
  try {
    status = await api('/api/v1/status');
  } catch (e) {
    if (e.status === 401) {
      // with the force's identity provider, the page signs in there: it never asks for a key
      const cfg = await signInConfig();
      if (cfg.oidc) { location.assign(cfg.login); return; }
    }
    $('summary').textContent = e.status === 401 ? 'Sign in with an API key to see the map.' : 'The server did not answer: ' + e.message;
    failed('Status', e);
    return;
  }
  setCSRF(status.csrf);
  state.status = status;
  offerWhatTheKeyMay(status);
  if (status.demo) $('demo-banner').hidden = false;
  $('summary').textContent = summaryText(status);
  $('signin').hidden = !!status.person; // a person signed in through the provider has no key to give
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

  const map = createMap({
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
  wireRegister();
  wireDispro();
  wireExport();
  wireImport();
}

wireSignIn();

start();
