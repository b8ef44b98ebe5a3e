// The planners: mobile CCTV sites, test-purchase targets, Section 60 proposals, the
// register of authorisations (record, extend, cancel).
import * as maplibregl from 'maplibre-gl';
import { api, post, download } from './api.js';
import { curve, esc } from './charts.js';
import { currentRes, filters, fromLabel, may, state, toLabel, writeURL } from './state.js';
import { applyVisibility, loadLayer, map } from './layers.js';
import { renderLayerList, renderLegend } from './panel.js';
import { chooseHotspot, retailerInfo, topHotspots } from './details.js';
import { checkForecasts, scrutinyInfo, searchesOverTime } from './reports.js';
import { $, failed, fmt, fmtP, localInput, showInfo, table } from './ui.js';

export function planFilters() {
  const body = { res: currentRes() };
  if (state.periods.length) { body.from = fromLabel(); body.to = toLabel(); }
  if (state.area) body.area = state.area;
  if (state.cats.length) body.categories = state.cats;
  return body;
}

export function showLayer(id) {
  state.on.add(id);
  applyVisibility(id);
  renderLayerList();
  writeURL();
}

export async function planCameras(e) {
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
export function deployForm() {
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
export function circle([lon, lat], r) {
  const pts = [];
  for (let i = 0; i <= 48; i++) {
    const a = (i / 48) * 2 * Math.PI;
    pts.push([lon + (r * Math.cos(a)) / (111320 * Math.cos((lat * Math.PI) / 180)), lat + (r * Math.sin(a)) / 110540]);
  }
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [pts] } };
}

export async function rankTargets(e) {
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

export function selectTarget(id) {
  const f = state.targets?.features.find((x) => x.properties.id === id);
  if (!f) return;
  map.setFilter('retailers-hl', ['==', ['get', 'id'], id]);
  map.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 14) });
  for (const tr of $('tp-out').querySelectorAll('tr')) tr.classList.toggle('selected', tr.dataset.id === id);
  const shop = state.data.retailers?.features.find((x) => x.properties.id === id);
  retailerInfo(shop ? shop.properties : { ...f.properties, tests: [] });
}

export async function propose(e) {
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

export function proposalInfo(rank) {
  const f = state.proposals?.features.find((x) => x.properties.rank === rank);
  if (!f) return;
  const p = f.properties;
  showInfo(`<h3>Section 60 proposal #${p.rank}</h3>` + table([['area', `${fmt(p.area_km2, 2)} km²`], ['incidents', fmt(p.incidents)], ['harm', fmt(p.harm, 1)],
    ['Gi* z', `${fmt(p.z_min, 2)} to ${fmt(p.z_max, 2)}`], ['largest p (FDR)', fmtP(p.p_fdr_max)]]) + `<p>${esc(p.grounds)}</p><button type="button" data-review="${p.rank}">Review and authorise</button>`);
}


export function review(rank) {
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

export async function authorise(e) {
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

export function wirePlanners() {
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
  });
  $('auth-form').addEventListener('submit', authorise);
  $('auth-cancel').addEventListener('click', () => { $('auth-form').hidden = true; });
}
