// Sign-in with an API key, and offering only what the key's role may use.
import { setKey, signOut } from './api.js';
import { may } from './state.js';
import { $, fmt } from './ui.js';

// offerWhatTheKeyMay hides the planners the key's role may not use: a community scrutiny
// group's viewer key reads the register and the stop-and-search panel, and is not offered
// Section 60 proposals, the test-purchase ranking or camera plans.
export function offerWhatTheKeyMay(status) {
  $('s60-form').hidden = !may('section60');
  $('p-tp').hidden = !may('retailers');
  $('p-cam').hidden = !may('cameras');
  $('p-imp').hidden = !may('import') || status.demo; // the demo store takes no imports
  if (status.person) {
    // signed in through the identity provider: who, and a way out; no key form
    const p = status.person;
    $('whoami').textContent = `Signed in as ${p.name || p.preferred_username || p.sub} (${status.role})`;
    $('whoami').hidden = false;
    $('keyform').hidden = true;
    $('signout-session').hidden = false;
  } else if (status.role && status.role !== 'open') $('summary').title = `Signed in with a ${status.role} key`;
}

export const summaryText = (status) => `${status.demo ? 'Demo data. ' : ''}${fmt(status.incidents)} incidents` + (status.first ? `, ${status.first.slice(0, 7)} to ${status.last.slice(0, 7)}` : '');

// wireSignIn keeps the key typed into the sign-in form (in this browser only) and forgets it
// on signing out; the page starts again either way.
export function wireSignIn() {
  $('keyform').addEventListener('submit', (e) => {
    e.preventDefault();
    setKey($('key').value.trim());
    location.reload();
  });
  $('signout').addEventListener('click', () => { setKey(''); location.reload(); });
  $('signout-session').addEventListener('click', () => signOut());
}
