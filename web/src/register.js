// The Section 60 register: every authorisation, in force or past, with what the statute and
// the Best Use of Stop and Search scheme ask after it is given: its extension or
// cancellation, the record that a superintendent was informed of an inspector's
// authorisation (s60(3A), pending until made), the notices given to the community, and,
// once it has ended, its evaluation.
import { api, post } from './api.js';
import { esc } from './charts.js';
import { may, state } from './state.js';
import { loadLayer } from './layers.js';
import { openPrintable, disproTable } from './reports.js';
import { $, failed, fmt, localInput, showInfo, table, when } from './ui.js';

const ended = (p) => p.status === 'expired' || p.status === 'cancelled';

// showRegister lists the register: what a commander reviews afterwards and a community
// scrutiny group reads (a viewer's key).
export async function showRegister() {
  $('s60-reg').textContent = 'Reading the register…';
  try {
    const reg = await api('/api/v1/section60/authorisations');
    state.register = reg;
    const pending = reg.features.filter((f) => f.properties.pending_superintendent).length;
    $('s60-reg').innerHTML = reg.features.length ? (pending ? `<p class="error-text">${fmt(pending)} authorisation${pending > 1 ? 's wait' : ' waits'} for the record that a superintendent was informed (s60(3A)).</p>` : '')
      + `<table class="register"><tr><th scope="col">#</th><th scope="col">status</th><th scope="col">in force</th><th scope="col">authorised by</th><th scope="col"><span class="sr-only">actions</span></th></tr>${
        reg.features.map((f) => row(f.properties)).join('')}</table>` : '<p>No authorisations recorded.</p>';
  } catch (err) {
    $('s60-reg').innerHTML = `<p class="error-text">${esc(err.message)}</p>`;
  }
}

function row(p) {
  const id = esc(p.id);
  const live = p.status === 'active' || p.status === 'scheduled';
  const s60 = may('section60');
  const button = (data, label, extra = '') => `<button type="button" data-${data}="${id}"${extra}>${label}</button>`;
  return `<tr><td>${id}</td><td>${esc(p.status)}${p.pending_superintendent ? '<br><strong class="pending">superintendent not yet informed</strong>' : ''}</td>
<td>${esc(when(p.start))} to ${esc(when(p.ends))}</td><td>${esc(p.officer)}, ${esc(p.rank)}</td>
<td>${button('scrutiny', 'Scrutiny')}${ended(p) ? button('evaluate', 'Evaluation') : ''}${s60 && live ? button('extend', 'Extend', p.extension ? ' disabled title="extended once already"' : '') + button('cancel', 'Cancel') : ''}${
  s60 && p.pending_superintendent ? button('informed', 'Superintendent informed') : ''}${s60 ? button('notice', 'Community told') : ''}</td></tr>`;
}

const find = (id) => state.register?.features.find((f) => String(f.properties.id) === String(id));

// record posts a form's body to the authorisation's route and shows the answer in msg.
async function record(id, route, body, msg, done) {
  try {
    const a = await post(`/api/v1/section60/authorisations/${encodeURIComponent(id)}/${route}`, body);
    $(msg).textContent = done(a.properties);
    await Promise.all([showRegister(), loadLayer('authorisations')]);
  } catch (err) {
    $(msg).textContent = err.message;
    $(msg).className = 'error-text';
  }
}

// changeForm asks, in the details panel, for an extension (s60(3): one, by a superintendent
// or above, at most 24 hours more) or a cancellation of authorisation id; the server holds
// it to the statute and says why when it refuses.
export function changeForm(id, kind) {
  const now = new Date();
  now.setSeconds(0, 0);
  const extend = kind === 'extend';
  showInfo(`<h3>${extend ? 'Extend' : 'Cancel'} authorisation ${esc(id)}</h3><form id="change-form">
<label for="ch-officer">${extend ? 'Directing officer' : 'Officer cancelling it'}</label><input id="ch-officer" required>
${extend ? `<label for="ch-rank">Rank</label><select id="ch-rank"><option>Superintendent</option><option>Chief Superintendent</option><option>Assistant Chief Constable</option><option>Deputy Chief Constable</option><option>Chief Constable</option></select>
<label for="ch-end">New end (at most 24 hours after the first)</label><input id="ch-end" type="datetime-local" required>` : ''}
<label for="ch-reason">Reason</label><input id="ch-reason" required maxlength="1000">
<button type="submit">${extend ? 'Record the extension' : 'Record the cancellation'}</button><p id="ch-msg" role="status"></p></form>`);
  const a = find(id);
  if (extend && a) $('ch-end').value = localInput(new Date(new Date(a.properties.end).getTime() + 24 * 3600 * 1000));
  $('ch-officer').focus();
  $('change-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { officer: $('ch-officer').value, reason: $('ch-reason').value, at: now.toISOString() };
    if (extend) Object.assign(body, { rank: $('ch-rank').value, end: new Date($('ch-end').value).toISOString() });
    record(id, extend ? 'extend' : 'cancel', body, 'ch-msg', (p) => `Recorded: ${p.status}, in force until ${when(p.ends)}.`);
  });
}

// informedForm records that a superintendent was informed of an inspector's or chief
// inspector's authorisation, and when (s60(3A): as soon as practicable).
export function informedForm(id) {
  showInfo(`<h3>Superintendent informed of authorisation ${esc(id)}</h3>
<p class="muted">Section 60(3A): an inspector or chief inspector who authorises must inform an officer of the rank of superintendent or above as soon as it is practicable.</p>
<form id="inf-form"><label for="inf-officer">Superintendent informed</label><input id="inf-officer" required>
<label for="inf-rank">Rank</label><select id="inf-rank"><option>Superintendent</option><option>Chief Superintendent</option><option>Assistant Chief Constable</option><option>Deputy Chief Constable</option><option>Chief Constable</option></select>
<label for="inf-at">When they were informed</label><input id="inf-at" type="datetime-local" required value="${localInput(new Date())}">
<button type="submit">Record it</button><p id="inf-msg" role="status"></p></form>`);
  $('inf-officer').focus();
  $('inf-form').addEventListener('submit', (e) => {
    e.preventDefault();
    record(id, 'informed', { officer: $('inf-officer').value, rank: $('inf-rank').value, at: new Date($('inf-at').value).toISOString() }, 'inf-msg',
      (p) => `Recorded: ${p.informed.rank} ${p.informed.officer} informed ${p.informed.hours_after_start} hours after the start.`);
  });
}

// noticeForm records a notice given to the community about authorisation id: before it
// (where practicable), while it is in force, or after it.
export function noticeForm(id) {
  const p = find(id)?.properties || {};
  const stage = p.status === 'scheduled' ? 'before' : ended(p) ? 'after' : 'during';
  const told = (p.notices || []).map((n) => [`${when(n.at)} (${n.stage})`, `${n.how} to ${n.to}`]);
  showInfo(`<h3>Community told of authorisation ${esc(id)}</h3>${told.length ? table(told) : '<p class="muted">No notice recorded yet.</p>'}
<form id="notice-form"><label for="nt-stage">When</label><select id="nt-stage">${['before', 'during', 'after'].map((s) => `<option${s === stage ? ' selected' : ''}>${s}</option>`).join('')}</select>
<label for="nt-at">Told at</label><input id="nt-at" type="datetime-local" required value="${localInput(new Date())}">
<label for="nt-how">How (a meeting, an email to the IAG, social media…)</label><input id="nt-how" required>
<label for="nt-to">To whom</label><input id="nt-to" required>
<label for="nt-text">What they were told</label><textarea id="nt-text" rows="3" maxlength="4000"></textarea>
<button type="submit">Record the notice</button><p id="nt-msg" role="status"></p></form>`);
  $('nt-how').focus();
  $('notice-form').addEventListener('submit', (e) => {
    e.preventDefault();
    record(id, 'notices', { stage: $('nt-stage').value, at: new Date($('nt-at').value).toISOString(), how: $('nt-how').value, to: $('nt-to').value, text: $('nt-text').value },
      'nt-msg', (a) => `Recorded: ${a.notices.length} notice${a.notices.length > 1 ? 's' : ''} held.`);
  });
}

// evaluationInfo shows what an authorisation that has ended achieved, with the printable
// report.
export async function evaluationInfo(id) {
  const path = `/api/v1/section60/authorisations/${encodeURIComponent(id)}/evaluation`;
  try {
    const r = await api(path);
    const crimes = r.crimes.map((c) => [`${c.window}: ${c.from}${c.to !== c.from ? ' to ' + c.to : ''}`, `${fmt(c.area)} in the area${c.rest_of_lpa == null ? '' : `, ${fmt(c.rest_of_lpa)} in the rest of ${r.lpa_name}`}`]);
    showInfo(`<h3>Evaluation: authorisation ${esc(id)}</h3>` + table([['searches', fmt(r.searches.searches)], ['finds', fmt(r.searches.finds)], ['arrests', fmt(r.searches.arrests)]])
      + disproTable(r.disproportionality) + `<strong>Recorded crime: ${esc(r.categories.join(', '))}</strong>` + table(crimes)
      + r.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join('') + '<button type="button" id="eval-print">Printable report</button>');
    $('eval-print').addEventListener('click', () => openPrintable(path + '?format=html', `evaluation-${id}.html`));
  } catch (err) {
    failed('The evaluation', err);
  }
}

export function wireRegister() {
  $('s60-register').addEventListener('click', showRegister);
  $('s60-reg').addEventListener('click', (e) => {
    const d = e.target.dataset || {};
    if (d.extend || d.cancel) changeForm(d.extend ?? d.cancel, d.extend ? 'extend' : 'cancel');
    else if (d.informed) informedForm(d.informed);
    else if (d.notice) noticeForm(d.notice);
    else if (d.evaluate) evaluationInfo(d.evaluate);
  });
}
