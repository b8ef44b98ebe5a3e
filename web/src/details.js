// The details of a feature clicked on the map (a hexagon's figures and months, a shop's
// test history), and the list of the top hot spots.
import { api, post } from './api.js';
import { sparkline, esc } from './charts.js';
import { filters, fromLabel, may, state, toLabel, withQ } from './state.js';
import { empty, loadLayer, map } from './layers.js';
import { BIN_LABELS, OUTLIERS } from './colours.js';
import { proposalInfo, rankTargets } from './planners.js';
import { $, fmt, fmtP, showInfo, table, localInput } from './ui.js';

export async function cellInfo(p, layer) {
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

export function retailerInfo(p) {
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
export async function recordTest(e) {
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

export function wireClicks() {
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
    // the row-level fields come only to a key that may export (a viewer's map shows the month and category)
    const rows = [['month', (p.time || '').slice(0, 7)], ['location', p.location], ['LSOA', p.lsoa_name], ['outcome', p.outcome]].filter(([, v]) => v != null);
    showInfo(`<h3>${esc(p.category)}</h3>` + table(rows));
  });
  map.on('click', 'proposals-fill', (e) => proposalInfo(e.features[0].properties.rank));
  map.on('click', 'authorisations-fill', (e) => {
    const p = e.features[0].properties;
    // MapLibre gives a feature's nested properties as JSON text
    const informed = typeof p.informed === 'string' && p.informed !== 'null' ? JSON.parse(p.informed) : null;
    const s3a = p.superintendent_required ? [['superintendent informed (s60(3A))', informed ? `${informed.rank} ${informed.officer}, ${informed.at}` : 'PENDING: not yet recorded']] : [];
    showInfo(`<h3>Section 60 authorisation ${esc(p.id)}</h3>` + table([['status', p.status], ['officer', `${p.officer}, ${p.rank}`], ['from', p.start], ['until', p.ends], ['area', `${fmt(p.area_km2, 2)} km²`], ...s3a]) + `<p>${esc(p.grounds)}</p><button type="button" data-scrutiny="${esc(p.id)}">Scrutiny report</button>`);
  });
}

// topHotspots lists the first cells of the hotspot layer's ranking (GET /api/v1/hotspots
// with limit): the layer the map draws, as a table to read and to go through by keyboard.
// Choosing a row outlines its hexagon, brings it into view and shows its details. It asks
// only while the list is open.
export const TOP_N = 15;

export async function topHotspots() {
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

export function chooseHotspot(cell) {
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
