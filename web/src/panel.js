// The side panel's controls (period, categories, resolution, method, weight, area), the
// layer list (show, hide, order, opacity) and the legend.
import { esc } from './charts.js';
import { fromLabel, may, setUnit, state, timings, toLabel, writeURL } from './state.js';
import { applyOrder, applyVisibility, fitTo, LAYERS, loadLayer, map, opacityOf, recolour, refresh } from './layers.js';
import { BIN_COLOURS, BIN_LABELS, EMERGING, OUTLIERS, RAMP } from './colours.js';
import { disproLegend } from './dispro.js';
import { topHotspots } from './details.js';
import { $, closeInfo, fmt } from './ui.js';

// listAreas fills the area menu with the boundaries whose name, kind or code holds the
// text of the find box, at most AREA_LIST_MAX of them (a national set of LSOAs is 35,000),
// and always the area chosen. The find box shows when there are more than a few.
export const AREA_LIST_MAX = 1000;

export function listAreas() {
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

export function fillSelect(sel, items) {
  for (const [value, label] of items) {
    const o = document.createElement('option');
    o.value = value; o.textContent = label; sel.appendChild(o);
  }
}

export function syncControls() {
  const last = Math.max(0, state.periods.length - 1);
  for (const [id, v] of [['from-i', state.fromI], ['to-i', state.toI]]) { $(id).max = last; $(id).value = v; }
  $('from-out').value = fromLabel() || '';
  $('to-out').value = toLabel() || '';
  $('unit').value = state.unit;
  for (const k of ['res', 'method', 'k', 'colour', 'weight', 'area']) $(k).value = state[k];
  for (const cb of $('cat-list').querySelectorAll('input')) cb.checked = !state.cats.length || state.cats.includes(cb.value);
}

export function readCats() {
  const boxes = [...$('cat-list').querySelectorAll('input')];
  const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
  state.cats = chosen.length === boxes.length ? [] : chosen;
}

export function wireControls() {
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

export function togglePlay() {
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

export function renderLayerList() {
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

export function wireLayerList() {
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
export const notesOf = (fc) => (fc?.notes || []).map((n) => `<p class="muted note">${esc(n)}</p>`).join('');

export function renderLegend() {
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
  parts.push(disproLegend(row));
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

export function rampRows(b, row) {
  if (!b) return '';
  const f = (x) => fmt(x, x < 10 ? 2 : 0);
  const rows = [row(RAMP[0], `below ${f(b[0])}`)];
  b.forEach((lo, i) => rows.push(row(RAMP[i + 1], i + 1 < b.length ? `${f(lo)} – ${f(b[i + 1])}` : `${f(lo)} and above`)));
  return rows.join('');
}
