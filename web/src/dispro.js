// The layer of searches per resident: for the chosen area, each LSOA (whose outline is
// held) coloured by searches per 1,000 residents of a chosen group, or by the ratio of that
// rate to White people's in the same LSOA, with its legend. Residents are the Census's;
// the LSOAs counted without an outline are listed, not drawn.
import { esc } from './charts.js';
import { fromLabel, state, toLabel, writeURL } from './state.js';
import { RAMP } from './colours.js';
import { loadLayer, map } from './layers.js';
import { renderLegend } from './panel.js';
import { $, fmt } from './ui.js';

export const GROUPS = ['Asian', 'Black', 'Mixed', 'White', 'Other'];

// the ratio to White people's rate: blue below parity, red above (ColorBrewer RdBu)
export const RATIO = { breaks: [0.5, 0.8, 1.25, 2, 4], colours: ['#2166ac', '#92c5de', '#f7f7f7', '#fddbc7', '#ef8a62', '#b2182b'],
  labels: ['below 0.5', '0.5 to 0.8', '0.8 to 1.25 (about the same)', '1.25 to 2', '2 to 4', '4 or more'] };
const NONE = '#bdbdbd'; // no residents of the group, or no search of White people to compare with

// disproPath asks for the layer: it needs an area (the LSOAs of the whole country would be
// too many to draw), and covers every month of stop and search held unless told the map's.
export function disproPath() {
  if (!state.area) return null;
  const q = new URLSearchParams({ area: state.area, group: state.group || 'Black' });
  if (state.dperiod === 'map' && state.periods.length) { q.set('from', fromLabel().slice(0, 7)); q.set('to', toLabel().slice(0, 7)); }
  return '/api/v1/stop-search/disproportionality/lsoas?' + q;
}

// rateBreaks are five breaks at the quintiles of the rates drawn (a ramp of six classes).
function rateBreaks(fc) {
  const v = fc.features.map((f) => f.properties.rate_per_1000).filter((x) => x != null).sort((a, b) => a - b);
  if (!v.length) return [1, 2, 3, 4, 5];
  const q = [0.2, 0.4, 0.6, 0.8, 0.95].map((p) => v[Math.min(v.length - 1, Math.floor(p * v.length))]);
  return q.map((x, i) => (i && x <= q[i - 1] ? q[i - 1] + 1e-9 : x));
}

// paintDispro colours the layer by the measure chosen.
export function paintDispro(fc) {
  const ratio = state.dby === 'ratio';
  const prop = ratio ? 'ratio_to_white' : 'rate_per_1000';
  const breaks = ratio ? RATIO.breaks : (state.dbreaks = rateBreaks(fc));
  const colours = ratio ? RATIO.colours : RAMP.slice(0, 6);
  const step = ['step', ['get', prop], colours[0]];
  breaks.forEach((b, i) => step.push(b, colours[i + 1]));
  map.setPaintProperty('dispro-fill', 'fill-color', ['case', ['==', ['get', prop], null], NONE, step]);
}

export function disproLegend(row) {
  const fc = state.data.dispro;
  if (!state.on.has('dispro')) return '';
  if (!state.area) return '<strong>Searches per resident</strong><p class="muted">Choose an area to draw its LSOAs.</p>';
  if (!fc) return '';
  const ratio = state.dby === 'ratio';
  const f = (x) => fmt(x, 2);
  const b = state.dbreaks || [];
  const rows = ratio ? RATIO.labels.map((l, i) => row(RATIO.colours[i], l))
    : [row(RAMP[0], `below ${f(b[0])}`), ...b.map((lo, i) => row(RAMP[i + 1], i + 1 < b.length ? `${f(lo)} to ${f(b[i + 1])}` : `${f(lo)} and above`))];
  return `<strong>${ratio ? `${esc(fc.group)} searches per resident over White people's, by LSOA` : `Searches of ${esc(fc.group)} people per 1,000 ${esc(fc.group)} residents, by LSOA`}</strong>`
    + rows.join('') + row(NONE, ratio ? 'no ratio (no residents, or no search of White people)' : 'no residents of the group')
    + '<p class="muted note">Drawn faint: fewer than 10 searches of the group or of White people in the LSOA, too few to mean anything alone.</p>'
    + `<p class="muted note">${fmt(fc.searches)} searches in the area, ${fmt(fc.not_stated)} not stated; ${fmt(fc.without_location)} without a location are not placed.</p>`
    + fc.notes.map((n) => `<p class="muted note">${esc(n)}</p>`).join('');
}

export function wireDispro() {
  $('dispro-group').innerHTML = GROUPS.map((g) => `<option${g === (state.group || 'Black') ? ' selected' : ''}>${g}</option>`).join('');
  $('dispro-by').value = state.dby || 'rate';
  $('dispro-period').value = state.dperiod || 'all';
  for (const [id, key] of [['dispro-group', 'group'], ['dispro-by', 'dby'], ['dispro-period', 'dperiod']]) {
    $(id).addEventListener('change', async () => {
      state[key] = $(id).value;
      writeURL();
      if (key === 'dby' && state.data.dispro) paintDispro(state.data.dispro);
      else await loadLayer('dispro').catch(() => {});
      renderLegend();
    });
  }
}
