// Reports: the forecast check (the backtest of GET /api/v1/evaluate), a Section 60
// authorisation's scrutiny report, stop and search over time, and their printable copies.
import { api, saveBlob, authHeader } from './api.js';
import { sparkline, esc } from './charts.js';
import { filters, state } from './state.js';
import { $, failed, fmt, showInfo, table } from './ui.js';

// checkForecasts runs the rolling-origin backtest (GET /api/v1/evaluate) on the map's area,
// categories and weight: each month with enough before it is forecast from the months
// before it by each method, and the forecast scored on what happened. The table gives the
// mean PAI at 1 % and 5 % of the area against the naive baseline, and the report's verdict
// says, in words, whether any method did better than chance month to month.
export const FC_METHODS = ['count', 'recency', 'gistar', 'kde'];

export async function checkForecasts(e) {
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

// scrutinyInfo shows an authorisation's scrutiny report: the searches made in its area and
// hours, their outcomes and who was searched, and the searches that cannot be placed.
export async function scrutinyInfo(id) {
  const path = `/api/v1/section60/authorisations/${encodeURIComponent(id)}/scrutiny`;
  try {
    const r = await api(path);
    const top = (rows) => table(rows.slice(0, 6).map((c) => [c.value, `${fmt(c.n)} (${fmt(100 * c.share, 0)}%)`]));
    showInfo(`<h3>Scrutiny: authorisation ${esc(id)}</h3>` + table([['searches in the area and hours', fmt(r.searches)], ['under section 60', fmt(r.under_section_60)],
      ['finds (outcome linked to the object)', `${fmt(r.finds)} (${fmt(100 * r.find_rate, 1)}%)`], ['arrests', `${fmt(r.arrests)} (${fmt(100 * r.arrest_rate, 1)}%)`],
      ['no further action', fmt(r.no_further_action)], ['searches in these hours with no location', fmt(r.without_location)],
      ['records held for its months', r.stop_search_months.map((m) => `${m.month}: ${fmt(m.searches)}`).join('; ')]]) +
      (r.searches ? `<strong>Officer-defined ethnicity</strong>${top(r.officer_defined_ethnicity)}<strong>Self-defined ethnicity</strong>${top(r.self_defined_ethnicity)}` : '') +
      disproTable(r.disproportionality) +
      `<p class="muted">${esc(r.note)}</p><button type="button" id="scrutiny-print">Printable report</button>`);
    $('scrutiny-print').addEventListener('click', () => openPrintable(path + '?format=html', `scrutiny-${id}.html`));
  } catch (err) {
    failed('The scrutiny report', err);
  }
}

// openPrintable opens a printable HTML report of the API in a new tab; the request carries
// the key, so the page comes as a blob, not a link. A blocked pop-up downloads it instead.
export async function openPrintable(path, name) {
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
export async function searchesOverTime(e) {
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

// disproTable shows a report's searches per 1,000 residents of each group and the ratio to
// White people's, or why they cannot be given.
export function disproTable(d) {
  if (!d) return '';
  if (d.missing) return `<p class="muted">Searches per resident: ${esc(d.missing)}</p>`;
  const n = (v, digits) => (v == null ? '–' : fmt(v, digits));
  return `<strong>Searches per 1,000 residents (${fmt(d.lsoas)} LSOAs, ${d.census} Census)</strong><table><tr><th scope="col">group</th><th scope="col">searches</th><th scope="col">per 1,000</th><th scope="col">ratio to White</th></tr>`
    + d.groups.map((g) => `<tr><td>${esc(g.group)}${g.small_numbers ? ' *' : ''}</td><td class="n">${fmt(g.searches)}</td><td class="n">${n(g.rate_per_1000, 3)}</td><td class="n">${n(g.ratio_to_white, 2)}${g.ratio_ci_low == null ? '' : ` (${n(g.ratio_ci_low, 2)}–${n(g.ratio_ci_high, 2)})`}</td></tr>`).join('')
    + '</table><p class="muted">* fewer than 10 searches: not meaningful. Residents, not the people present at the time.</p>';
}
