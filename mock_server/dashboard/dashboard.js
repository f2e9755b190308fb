// The mock's dashboard: reads the control API (/__mock__/*, same origin) and draws it.
// Every value is put in the page as text (textContent), never as markup.
'use strict';

const KEY_STORAGE = 'ibl-mock-control-key';
const SESSION_STORAGE = 'ibl-mock-session';
const DEFAULT_SESSION = 'default';
const POLL_MS = 1000;
const JOURNAL_LIMIT = 100;

const state = { world: null, journal: [], journalDrawn: null, selected: null };

// -- building the page -------------------------------------------------------------------------

function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.title) node.title = options.title;
  if (options.href) node.href = options.href;
  if (options.onclick) node.addEventListener('click', options.onclick);
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(text(child)));
  }
  return node;
}

function text(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function fill(id, rows) {
  document.getElementById(id).replaceChildren(...rows);
}

function fields(id, pairs) {
  const nodes = [];
  for (const [name, value] of pairs) {
    nodes.push(el('dt', {}, name));
    const shown = typeof value === 'object' && value !== null
      ? el('pre', {}, JSON.stringify(value, null, 2)) : text(value);
    nodes.push(el('dd', {}, shown));
  }
  fill(id, nodes);
}

function statusClass(status) {
  return `s${String(status).charAt(0)}`;
}

function show(id, visible) {
  document.getElementById(id).hidden = !visible;
}

// -- talking to the control API ----------------------------------------------------------------

class Refused extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// Named always: a session cookie of this host (a frontend's, on another port) would pick one.
function viewedSession() {
  return sessionStorage.getItem(SESSION_STORAGE) || DEFAULT_SESSION;
}

function controlHeaders() {
  const headers = { 'X-Mock-Session': viewedSession() };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers['X-Mock-Control-Key'] = key;
  return headers;
}

async function control(path) {
  const answer = await fetch(`/__mock__/${path}`, { headers: controlHeaders() });
  if (answer.status === 403) {
    const body = await answer.json().catch(() => ({}));
    askForKey(body.detail || 'The control API refused the request.');
    throw new Refused(403, body.detail);
  }
  if (!answer.ok) throw new Refused(answer.status, `${path}: ${answer.status}`);
  return answer.json();
}

function askForKey(detail) {
  show('control-key', true);
  document.getElementById('control-key-problem').textContent = detail;
}

function useKey(event) {
  event.preventDefault();
  const key = document.getElementById('control-key-input').value.trim();
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  show('control-key', false);
  refresh(true);
}

// -- the panels --------------------------------------------------------------------------------

function drawWorld(world) {
  const modes = {
    any: 'any key or token is accepted, as an admin of the tenant a path names',
    fixtures: 'only these keys and tokens are accepted',
    off: 'credentials are not checked',
  };
  document.getElementById('world-auth').textContent =
    `--auth ${world.auth}: ${modes[world.auth] || ''}. Default tenant: ${world.default_tenant}.`;
  const rows = [];
  for (const tenant of world.tenants) {
    rows.push(el('tr', {},
      el('td', {}, el('strong', {}, tenant.name), ` (${tenant.display_name})`),
      el('td', { className: 'muted' }, 'platform key'),
      el('td', {}, 'admin'),
      el('td', { className: 'mono' }, tenant.authorization)));
    for (const user of tenant.users) {
      rows.push(el('tr', {},
        el('td', {}, ''),
        el('td', { title: `${user.full_name} <${user.email}>, id ${user.id}` }, user.username),
        el('td', {}, user.role),
        el('td', { className: 'mono' }, user.authorization)));
    }
  }
  fill('world-rows', rows);
}

function drawRecords(summary) {
  document.getElementById('records-total').textContent = `(${summary.records})`;
  const lists = state.world ? state.world.lists : {};
  const rows = Object.entries(summary.resources).map(([resource, count]) => {
    const list = lists[resource];
    const link = list
      ? el('a', { href: list.path, onclick: (event) => browse(event, resource, list) }, list.path)
      : el('span', { className: 'muted' }, 'no list to read');
    return el('tr', {}, el('td', {}, resource), el('td', {}, count), el('td', {}, link));
  });
  fill('records-rows', rows);
}

// An API read needs credentials: the default tenant's platform key (its admin).
async function browse(event, resource, list) {
  event.preventDefault();
  const tenant = state.world.tenants.find((t) => t.name === state.world.default_tenant);
  const headers = { 'X-Mock-Session': viewedSession() };
  if (tenant) headers.Authorization = tenant.authorization;
  show('browse', true);
  document.getElementById('browse').scrollIntoView({ block: 'nearest' });
  document.getElementById('browse-title').textContent = `${resource}: GET ${list.path}`;
  const body = document.getElementById('browse-body');
  body.textContent = 'loading…';
  try {
    const answer = await fetch(list.path, { headers });
    const data = await answer.json().catch(() => null);
    body.textContent = `${answer.status}\n${JSON.stringify(data, null, 2)}`;
  } catch (error) {
    body.textContent = String(error);
  }
}

function drawJournal(page) {
  document.getElementById('journal-count').textContent = `(${page.count})`;
  // Redrawn only when it changed, so a row keeps its place under the pointer between polls.
  const top = page.results.length ? page.results[0].id : null;
  const drawn = `${viewedSession()} ${top} ${page.results.length}`;
  if (drawn === state.journalDrawn) return;
  state.journal = page.results;
  state.journalDrawn = drawn;
  const rows = page.results.map((entry) => {
    const row = el('tr', { onclick: () => select(entry.id) },
      el('td', {}, entry.id),
      el('td', { title: entry.at }, new Date(entry.at).toLocaleTimeString()),
      el('td', {}, entry.method),
      el('td', { className: 'mono' }, entry.path),
      el('td', { className: 'mono' }, entry.operation || '—'),
      el('td', { className: statusClass(entry.status) }, entry.status),
      el('td', { className: 'problem' }, entry.problems.join('\n')));
    row.dataset.id = String(entry.id);
    if (entry.id === state.selected) row.classList.add('selected');
    return row;
  });
  fill('journal-rows', rows);
}

function select(id) {
  state.selected = id;
  for (const row of document.querySelectorAll('#journal-rows tr')) {
    row.classList.toggle('selected', row.dataset.id === String(id));
  }
  const entry = state.journal.find((e) => e.id === id);
  if (!entry) return;
  show('entry', true);
  const query = entry.query.map(([name, value]) => `${name}=${value}`).join('&');
  document.getElementById('entry-title').textContent =
    `#${entry.id} ${entry.method} ${entry.path}${query ? '?' + query : ''}`;
  fields('entry-fields', [
    ['at', entry.at],
    ['operation', entry.operation || 'none (no operation took it)'],
    ['status', entry.status],
    ['problems', entry.problems.length ? entry.problems.join('\n') : 'none'],
    ['query', entry.query],
    ['headers', entry.headers],
    ['body', entry.body === null ? 'empty' : entry.body],
  ]);
}

function drawOverrides(page) {
  const rows = page.results.map((override) => {
    const answer = [];
    if (override.status !== undefined) answer.push(`status ${override.status}`);
    if (override.body !== undefined) answer.push('body replaced');
    if (override.patch !== undefined) answer.push(`patch ${JSON.stringify(override.patch)}`);
    if (override.sequence !== undefined) answer.push(`${override.sequence.length} in sequence`);
    if (override.delay) answer.push(`delay ${JSON.stringify(override.delay)}`);
    if (override.fault) answer.push(`fault ${override.fault}`);
    if (override.match) answer.push(`when ${JSON.stringify(override.match)}`);
    return el('tr', {},
      el('td', {}, override.id),
      el('td', { className: 'mono' }, override.operation),
      el('td', {}, answer.join('; ') || 'the mock\'s own'),
      el('td', {}, override.used),
      el('td', {}, override.remaining === null ? 'forever' : override.remaining));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { className: 'muted' }, 'none')));
  fill('overrides-rows', rows);
}

function drawSettings(settings) {
  fields('settings-fields', [
    ['latency', settings.latency === null ? 'none' : settings.latency],
    ['error rate', settings.error_rate],
  ]);
}

// A mock without sessions answers 404 here: the panel shows only when it answers.
async function refreshSessions() {
  const answer = await fetch('/__mock__/sessions', { headers: controlHeaders() });
  if (answer.status !== 200) {
    show('sessions', false);
    return;
  }
  const page = await answer.json();
  const viewed = viewedSession();
  if (viewed !== DEFAULT_SESSION && !page.results.some((s) => s.name === viewed)) {
    viewSession(DEFAULT_SESSION); // dropped, or expired
  }
  show('sessions', true);
  const rows = page.results.map((session) => {
    const row = el('tr', { onclick: () => viewSession(session.name) },
      el('td', {}, session.name),
      el('td', {}, session.records),
      el('td', {}, session.written),
      el('td', {}, session.requests),
      el('td', { title: session.last_used }, new Date(session.last_used).toLocaleTimeString()));
    if (session.name === viewedSession()) row.classList.add('selected');
    return row;
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { className: 'muted' }, 'none')));
  fill('sessions-rows', rows);
}

function viewSession(name) {
  if (name === DEFAULT_SESSION) sessionStorage.removeItem(SESSION_STORAGE);
  else sessionStorage.setItem(SESSION_STORAGE, name);
  Object.assign(state, { journal: [], journalDrawn: null, selected: null });
  show('entry', false);
  show('browse', false);
  drawViewing();
  refresh();
}

function drawViewing() {
  document.getElementById('viewing').textContent = `session: ${viewedSession()}`;
}

// -- polling -----------------------------------------------------------------------------------

async function refresh(again = false) {
  const status = document.getElementById('status');
  try {
    if (!state.world || again) {
      state.world = await control('world');
      drawWorld(state.world);
    }
    const [summary, journal, overrides, settings] = await Promise.all([
      control('state'),
      control(`requests?limit=${JOURNAL_LIMIT}`),
      control('overrides'),
      control('settings'),
    ]);
    drawRecords(summary);
    drawJournal(journal);
    drawOverrides(overrides);
    drawSettings(settings);
    await refreshSessions();
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.className = 'muted';
  } catch (error) {
    status.textContent = error instanceof Refused ? error.message : `mock unreachable: ${error}`;
    status.className = 'problem';
  }
}

async function poll() {
  await refresh();
  setTimeout(poll, POLL_MS); // after the answer, so slow answers never pile up
}

document.getElementById('control-key-form').addEventListener('submit', useKey);
drawViewing();
poll();
