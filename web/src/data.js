// Downloads of any layer (GeoJSON, CSV) and of the map (PNG); imports of files and the
// list of imports, from which an admin withdraws one.
import { api, request, upload, download, saveBlob } from './api.js';
import { esc } from './charts.js';
import { changeQuery, filters, fromLabel, may, periodsBetween, setPeriod, state, toLabel } from './state.js';
import { boundaryTiles, LAYERS, map, refresh } from './layers.js';
import { fillSelect, listAreas, syncControls } from './panel.js';
import { summaryText } from './signin.js';
import { $, failed, fmt, setStatus } from './ui.js';

export function exportQuery(id) {
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

// wireImport sends the chosen file to POST /api/v1/imports (a ZIP imports each file in it),
// shows each file's report, and brings the map up to the data now held.
export function wireImport() {
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
// takes its rows with it, after saying what would go (the server says which are).
export async function listImports() {
  const out = $('imp-list');
  if (!$('imp-held').open) return;
  try {
    const { imports } = await api('/api/v1/imports');
    const admin = may('admin');
    out.innerHTML = imports.length ? `<table class="ranked"><thead><tr><th>#</th><th>file</th><th>kind</th><th>added</th>${admin ? '<th><span class="sr-only">withdraw</span></th>' : ''}</tr></thead><tbody>`
      + imports.map((b) => `<tr><td>${b.id}</td><td title="imported ${esc(b.imported_at)}, SHA-256 ${esc(b.sha256)}">${esc(b.source)}</td><td>${esc(b.kind)}</td><td>${fmt(b.added)}</td>`
        + (admin ? `<td>${b.withdrawable ? `<button type="button" data-withdraw="${b.id}" aria-label="Withdraw import ${b.id}, ${esc(b.source)}">Withdraw</button>` : ''}</td>` : '') + '</tr>').join('')
      + '</tbody></table>' : '<p class="muted">No imports yet.</p>';
  } catch (err) {
    out.innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

export async function withdrawImport(id) {
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
export async function afterImport() {
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

export function wireExport() {
  // the layers the key may download (/api/v1/export/... asks the same permissions)
  const offered = Object.entries(LAYERS).filter(([, d]) => d.exportId && may(d.dl || d.perm || 'export'));
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
