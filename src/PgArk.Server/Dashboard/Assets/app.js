// PgArk dashboard: plain JavaScript, no dependencies. It reads and acts only through the REST API, signed in with a
// session cookie (HttpOnly, so this script never sees it) and sends the session's CSRF token on every state-changing call.
'use strict';

const state = { me: null, csrf: '', timer: null };
const roles = { viewer: 0, operator: 1, admin: 2 };
const noBackupHours = 25; // seed 004's "no backup in 25 hours" (the alert default)

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value; else if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const options = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRF-Token'] = state.csrf;
    if (body !== undefined) options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (response.status === 401 && path !== '/api/session') {
    showSignIn('Your session has ended: sign in again.');
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

const can = role => state.me && roles[state.me.role] >= roles[role];
const enc = encodeURIComponent;

function bytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

function age(time) {
  if (!time) return 'never';
  const hours = (Date.now() - new Date(time).getTime()) / 3600000;
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min ago`;
  if (hours < 48) return `${hours.toFixed(1)} h ago`;
  return `${(hours / 24).toFixed(1)} days ago`;
}

// For the long lists (1,000 backups): one HTML string parsed at once is several times cheaper than a node per cell.
// Every value goes through esc(); the page's CSP still forbids inline script and style, so markup can carry neither.
const esc = value => String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const when = time => time ? new Date(time).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';

// ---- sign-in -------------------------------------------------------------------------------------------------------

function showSignIn(message) {
  state.me = null;
  state.csrf = '';
  clearInterval(state.timer);
  $('#view').hidden = true;
  $('#nav').hidden = true;
  $('#whoami').hidden = true;
  $('#signout').hidden = true;
  $('#signin-view').hidden = false;
  $('#signin-error').textContent = message ?? '';
  $('#key').focus();
}

function signedIn(me) {
  state.me = me;
  state.csrf = me.csrf_token;
  $('#signin-view').hidden = true;
  $('#nav').hidden = false;
  $('#whoami').hidden = false;
  $('#whoami').textContent = me.authentication ? `${me.name} (${me.role})` : 'no authentication (loopback)';
  $('#signout').hidden = !me.authentication;
  route();
}

async function signIn(event) {
  event.preventDefault();
  const input = $('#key');
  const key = input.value;
  input.value = ''; // the raw key is not kept past this call
  try {
    signedIn(await api('POST', '/api/session', { key }));
  } catch (error) {
    $('#signin-error').textContent = error.status === 401 ? 'Unknown API key.' : error.message;
  }
}

async function signOut() {
  try { await api('DELETE', '/api/session'); } catch { /* the cookie is cleared either way */ }
  showSignIn('Signed out.');
}

// ---- routing -------------------------------------------------------------------------------------------------------

function route() {
  if (!state.me) return;
  clearInterval(state.timer);
  const hash = location.hash || '#/';
  const [, page, arg] = hash.match(/^#\/([^/]*)\/?(.*)$/) ?? [];
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('active', link.dataset.nav === (page || 'overview'));
  const view = $('#view');
  view.hidden = false;
  view.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
  const render = page === 'server' ? () => serverPage(decodeURIComponent(arg))
    : page === 'jobs' ? jobsPage
    : page === 'alerts' ? alertsPage
    : overviewPage;
  run(render);
  // Jobs follow progress; overview and alerts refresh now and then; the server page stays put (its restore form).
  const period = { jobs: 2000, alerts: 30000, '': 30000, overview: 30000 }[page ?? ''];
  if (period) state.timer = setInterval(() => run(render), period);
}

async function run(render) {
  const started = performance.now();
  try {
    await render();
    // When the new content was in the DOM: data-painted-ms minus this is the browser's style, layout and paint.
    document.body.dataset.drawnMs = String(Math.round(performance.now()));
    $('#updated').textContent = `Updated ${new Date().toLocaleTimeString()} (${Math.round(performance.now() - started)} ms)`;
    // Marked once the next frame with the new content is painted (a frame, then a task after it): data-painted-ms is the
    // time from navigation start to that paint, the page's load figure (DashboardLoadTests), free of the test's own latency.
    const page = location.hash || '#/';
    requestAnimationFrame(() => setTimeout(() => {
      document.body.dataset.paintedMs = String(Math.round(performance.now()));
      document.body.dataset.loaded = page;
    }));
  } catch (error) {
    if (error.status !== 401) $('#view').replaceChildren(el('p', { class: 'error', role: 'alert', text: error.message }));
  }
}

// ---- overview ------------------------------------------------------------------------------------------------------

async function alertsOrEmpty() {
  try { return await api('GET', '/api/alerts'); } catch { return { alerts: [], servers: [] }; }
}

// The cadence a server's backups are scheduled at: the shortest interval between planned runs of a full, diff or incr
// entry. The last two planned runs are used, as a run missed while the service was down is listed first, at "now".
function backupCadence(entries) {
  let best = null;
  for (const e of entries ?? []) {
    if (!['full', 'diff', 'incr'].includes(e.task) || e.next_runs.length < 2) continue;
    const runs = e.next_runs.slice(-2).map(t => new Date(t).getTime());
    const period = runs[1] - runs[0];
    if (period > 0 && (!best || period < best.period)) best = { period, key: e.key, cron: e.cron };
  }
  return best;
}

function cadenceLabel(period) {
  const hours = period / 3600000;
  if (hours === 1) return 'hourly';
  if (hours === 24) return 'daily';
  if (hours === 168) return 'weekly';
  return `every ${duration(period / 1000)}`;
}

// The newest backup's age against the schedule: due again one period after it started, so overdue once its age passes
// a period plus the time it took plus a grace (a twentieth of the period, at most an hour: a daily backup is overdue
// after 25 h, seed 004's threshold); a whole run missed is red.
function backupPunctuality(newest, cadence) {
  if (!newest || !cadence) return null;
  const ageMs = Date.now() - new Date(newest.stop_time).getTime();
  const took = (newest.duration_seconds ?? 0) * 1000;
  const grace = Math.min(cadence.period / 20, 3600000);
  const level = ageMs > 2 * cadence.period + took + grace ? 'red' : ageMs > cadence.period + took + grace ? 'amber' : 'green';
  const text = `${(ageMs / 3600000).toFixed(1)} h old, schedule ${cadenceLabel(cadence.period)} (${cadence.key}) → ${level === 'green' ? 'on time' : 'overdue'}`;
  return { level, text };
}

function assess(server, health, info, alerts, punctuality) {
  const reasons = [];
  let level = 'green';
  const raise = (to, why) => { reasons.push(why); if (to === 'red' || (to === 'amber' && level === 'green')) level = to; };
  if (health && !health.connected) raise('red', `server unreachable: ${health.error ?? ''}`);
  if (health?.archive && !health.archive.ok) raise('red', `WAL archiving failing (last failed ${health.archive.last_failed_wal ?? ''})`);
  if (!info) raise('red', 'repository not readable');
  else {
    if (info.problem) raise('red', info.problem);
    const newest = info.backups.reduce((a, b) => (!a || b.stop_time > a.stop_time ? b : a), null);
    if (!newest) raise('red', 'no backup yet');
    else {
      const hours = (Date.now() - new Date(newest.stop_time).getTime()) / 3600000;
      if (hours > noBackupHours) raise('red', `newest backup is ${hours.toFixed(1)} h old`);
      else if (hours > noBackupHours * 0.8) raise('amber', `newest backup is ${hours.toFixed(1)} h old`);
    }
    if (punctuality && punctuality.level !== 'green') raise(punctuality.level, `newest backup ${punctuality.text}`);
    if (info.wal_gaps.length) raise('amber', `${info.wal_gaps.length} WAL gap(s) in the archive`);
    if (!info.window && info.backups.length) raise('amber', 'no recoverable window');
    if (info.last_verify_restore && info.last_verify_restore.passed === false) raise('red', 'last restore drill failed');
  }
  for (const alert of alerts) raise(alert.kind === 'backup_size_change' ? 'amber' : 'red', `alert: ${alert.message}`);
  return { level, reasons };
}

async function overviewPage() {
  const [servers, health, alerts, schedule, agents] = await Promise.all([
    api('GET', '/api/servers'), api('GET', '/api/health').catch(() => null), alertsOrEmpty(),
    api('GET', '/api/schedule').catch(() => null), api('GET', '/api/agents').catch(() => ({ agents: [] })),
  ]);
  const infos = await Promise.all(servers.servers.map(s =>
    api('GET', `/api/servers/${enc(s.name)}/info`).then(r => r.servers[0]).catch(() => null)));
  const tiles = servers.servers.map((server, i) => {
    const info = infos[i];
    const h = health?.servers.find(x => x.server === server.name);
    const serverAlerts = alerts.alerts.filter(a => a.server === server.name);
    const lag = alerts.servers?.find(x => x.server === server.name)?.wal_lag_segments;
    const newest = info?.backups.reduce((a, b) => (!a || b.stop_time > a.stop_time ? b : a), null);
    const cadence = backupCadence(schedule?.servers.find(x => x.server === server.name)?.entries);
    const punctuality = backupPunctuality(newest, cadence);
    const { level, reasons } = assess(server.name, h, info, serverAlerts, punctuality);
    const drill = info?.last_verify_restore;
    return el('article', { class: `tile rag-border-${level}`, 'data-server': server.name, 'data-state': level },
      el('h3', {}, el('span', { class: `rag rag-${level}`, title: level }), el('a', { href: `#/server/${enc(server.name)}`, text: server.name })),
      el('dl', {},
        el('dt', { text: 'State' }), el('dd', { class: `state state-${level}`, text: level }),
        el('dt', { text: 'Health' }), el('dd', { text: h ? (h.connected ? `up, PostgreSQL ${Math.floor((h.pg_version_num ?? 0) / 10000)}` : 'down') : 'unknown' }),
        el('dt', { text: 'Newest backup' }), el('dd', { class: 'newest-backup', text: newest ? `${newest.type}, ${age(newest.stop_time)}` : 'none' }),
        el('dt', { text: 'Schedule' }), el('dd', {
          class: `backup-schedule state-${punctuality?.level ?? 'none'}`, 'data-state': punctuality?.level ?? 'none',
          text: punctuality ? punctuality.text : cadence ? 'no backup yet' : 'no backup schedule',
        }),
        el('dt', { text: 'WAL archive' }), el('dd', {
          text: (lag !== undefined && lag !== null ? `lag ${lag} segment(s), ` : '')
            + (h?.archive?.last_archived_time ? `last archived ${age(h.archive.last_archived_time)}` : 'nothing archived yet'),
        }),
        el('dt', { text: 'Recoverable' }), el('dd', { text: info?.window ? `${when(info.window.from_time)} → ${when(info.window.to_time)}` : 'no window' }),
        el('dt', { text: 'Last drill' }), el('dd', { text: drill ? `${drill.passed ? 'passed' : 'FAILED'} ${age(drill.finished_at)}${drill.rto_seconds ? `, RTO ${duration(drill.rto_seconds)}` : ''}` : 'none' }),
      ),
      reasons.length ? el('ul', {}, reasons.map(r => el('li', { text: r }))) : null);
  });
  const agentTiles = agents.agents.map(agentTile);
  $('#view').replaceChildren(el('h1', { text: 'Overview' }),
    servers.servers.length ? el('div', { class: 'tiles', id: 'servers' }, tiles)
      : el('p', { text: agentTiles.length ? 'No local servers: this service supervises the agents below.' : 'No servers are configured.' }),
    ...(agentTiles.length ? [el('h2', { text: 'Agents' }), el('div', { class: 'tiles', id: 'agents' }, agentTiles)] : []),
    await storesSection());
}

// An agent of a supervisor config, as its own API answered the health request the service just made (GET /api/agents).
function agentTile(agent) {
  const servers = agent.servers ?? [];
  const down = servers.filter(s => !s.connected || (s.archive && !s.archive.ok));
  const level = !agent.reachable ? 'red' : down.length || agent.status !== 'ok' ? 'amber' : 'green';
  return el('article', { class: `tile rag-border-${level}`, 'data-agent': agent.name, 'data-state': level },
    el('h3', {}, el('span', { class: `rag rag-${level}`, title: level }), el('span', { text: agent.name })),
    el('dl', {},
      el('dt', { text: 'URL' }), el('dd', { text: agent.url }),
      el('dt', { text: 'Agent' }), el('dd', { class: 'agent-reachable', text: agent.reachable ? `reachable, health ${agent.status ?? 'unknown'}` : 'unreachable' }),
      ...servers.flatMap(s => [el('dt', { text: s.server }), el('dd', {
        class: 'agent-server', text: s.connected ? `up, PostgreSQL ${Math.floor((s.pg_version_num ?? 0) / 10000)}` : `down${s.error ? `: ${s.error}` : ''}`,
      })])),
    agent.error ? el('ul', {}, el('li', { text: agent.error })) : null);
}

// Qdrant and Neo4j stores beside the servers (docs/stores.md): newest backup and size per store; nothing when none is configured.
async function storesSection() {
  const listing = await api('GET', '/api/stores/backups').catch(() => null);
  if (!listing?.stores?.length) return '';
  const rows = listing.stores.map(s => {
    const newest = s.backups[s.backups.length - 1];
    return el('tr', { 'data-store': s.store },
      el('td', { text: s.store }), el('td', { text: s.kind }), el('td', { class: 'num', text: String(s.backups.length) }),
      el('td', { class: 'newest-store-backup', text: newest ? `${newest.id}, ${age(newest.start_time)}` : 'none' }),
      el('td', { class: 'num', text: newest ? bytes(newest.size) : '' }),
      el('td', { class: 'hide-narrow', text: s.incomplete.length ? `${s.incomplete.length} interrupted` : '' }));
  });
  return el('section', {}, el('h2', { text: 'Stores' }),
    table('stores', [{ label: 'Store' }, { label: 'Kind' }, { label: 'Backups', num: true }, { label: 'Newest backup' }, { label: 'Size', num: true },
      { label: '', narrow: true }], rows));
}

// ---- server page ---------------------------------------------------------------------------------------------------

function lineChart(points, series, height = 180) {
  // points: [{t: Date, ...values}], series: [{key, label, class, format}]; each series scaled to its own maximum.
  const width = 900, left = 10, right = 10, top = 10, bottom = 24;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': series.map(s => s.label).join(', ') + ' over time' });
  if (points.length === 0) return chart;
  const t0 = points[0].t.getTime(), t1 = points[points.length - 1].t.getTime();
  const x = t => left + (t1 === t0 ? (width - left - right) / 2 : ((t - t0) / (t1 - t0)) * (width - left - right));
  chart.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  for (const s of series) {
    const max = Math.max(...points.map(p => p[s.key] ?? 0), 1);
    const y = v => top + (1 - v / max) * (height - top - bottom);
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t.getTime()).toFixed(1)},${y(p[s.key] ?? 0).toFixed(1)}`).join('');
    chart.append(svg('path', { class: s.class, d }, svg('title', { text: `${s.label} (max ${s.format(max)})` })));
  }
  chart.append(svg('text', { x: left, y: height - 6, text: when(points[0].t) }));
  chart.append(svg('text', { x: width - right, y: height - 6, 'text-anchor': 'end', text: when(points[points.length - 1].t) }));
  return chart;
}

function timeline(info) {
  const width = 900, height = 70, left = 10, right = 10, barY = 22, barH = 22;
  const backups = [...info.backups].sort((a, b) => a.stop_time.localeCompare(b.stop_time));
  const times = backups.flatMap(b => [new Date(b.start_time).getTime(), new Date(b.stop_time).getTime()]);
  // Every recoverable span (a WAL gap splits the window), as the server computed them.
  const windows = info.windows && info.windows.length ? info.windows : (info.window ? [info.window] : []);
  for (const w of windows) times.push(new Date(w.from_time).getTime(), new Date(w.to_time).getTime());
  const now = Date.now();
  times.push(now);
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const x = t => left + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (width - left - right));
  const chart = svg('svg', { id: 'timeline', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': 'recoverable window' });
  chart.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: barY + barH / 2, y2: barY + barH / 2 }));
  for (const w of windows) {
    const from = x(new Date(w.from_time).getTime()), to = x(new Date(w.to_time).getTime());
    chart.append(svg('rect', { class: 'window', x: from, y: barY, width: Math.max(2, to - from), height: barH },
      svg('title', { text: `recoverable ${when(w.from_time)} → ${when(w.to_time)}` })));
  }
  // A gap is a missing WAL segment: drawn between the last backup that ends before it and the first that starts after it.
  for (const gap of info.wal_gaps) {
    const segment = gap.slice(-24);
    const before = backups.filter(b => b.stop_wal < segment).pop();
    const after = backups.find(b => b.start_wal > segment);
    const from = before ? x(new Date(before.stop_time).getTime()) : left;
    const to = after ? x(new Date(after.start_time).getTime()) : x(now);
    chart.append(svg('rect', { class: 'gap', x: from, y: barY + 4, width: Math.max(3, to - from), height: barH - 8 },
      svg('title', { text: `WAL gap: ${gap}` })));
  }
  const dots = svg('g', { class: 'backups' });
  dots.innerHTML = backups.map(b => `<circle class="backup" cx="${x(new Date(b.stop_time).getTime()).toFixed(1)}" cy="${barY + barH / 2}" r="4" ` +
    `data-backup-id="${esc(b.id)}"><title>${esc(`${b.type} backup ${b.id}, finished ${when(b.stop_time)}`)}</title></circle>`).join('');
  chart.append(dots);
  chart.append(svg('line', { class: 'now', x1: x(now), x2: x(now), y1: 8, y2: barY + barH + 6 }));
  chart.append(svg('text', { x: left, y: height - 6, text: when(new Date(t0)) }));
  chart.append(svg('text', { x: width - right, y: height - 6, 'text-anchor': 'end', text: 'now' }));
  return chart;
}

function table(id, headers, rows) {
  return el('table', { id },
    el('thead', {}, el('tr', {}, headers.map(h => el('th', { class: h.num ? 'num' : (h.narrow ? 'hide-narrow' : null), text: h.label })))),
    el('tbody', {}, rows));
}

// The backups table, a page of rows at a time, newest first, with the full count: with 1,000 backups, laying out and
// painting every row cost the page more than all its requests (DashboardLoadTests); the timeline and charts still draw all.
const backupsPageSize = 50;

function backupsTable(backups) {
  const pages = Math.max(1, Math.ceil(backups.length / backupsPageSize));
  let current = 0;
  const card = el('div', { class: 'card' }, table('backups', [
    { label: 'Id' }, { label: 'Type' }, { label: 'Started' }, { label: 'Duration', num: true }, { label: 'Size', num: true },
    { label: 'Stored', num: true }, { label: 'Chain', narrow: true }, { label: 'WAL', narrow: true },
  ], []));
  const position = el('span', { id: 'backups-position', class: 'muted' });
  const newer = el('button', { id: 'backups-newer', type: 'button', class: 'secondary' }, 'Newer');
  const older = el('button', { id: 'backups-older', type: 'button', class: 'secondary' }, 'Older');
  const show = page => {
    current = Math.min(Math.max(page, 0), pages - 1);
    const first = current * backupsPageSize;
    const shown = backups.slice(first, first + backupsPageSize);
    // One escaped HTML string: several times cheaper than a node per cell. Every value goes through esc().
    $('tbody', card).innerHTML = shown.map(b => `<tr data-backup-id="${esc(b.id)}"><td>${esc(b.id)}</td><td>${esc(b.type)}</td>` +
      `<td>${esc(when(b.start_time))}</td><td class="num">${esc(duration(b.duration_seconds))}</td><td class="num">${esc(bytes(b.size))}</td>` +
      `<td class="num">${esc(bytes(b.stored_size))}</td><td class="hide-narrow">${esc(b.parent ?? '—')}</td>` +
      `<td class="hide-narrow">${b.wal_complete ? 'complete' : 'incomplete'}</td></tr>`).join('');
    position.textContent = backups.length ? `${first + 1}–${first + shown.length} of ${backups.length}, newest first` : 'No backups yet.';
    newer.disabled = current === 0;
    older.disabled = current >= pages - 1;
  };
  newer.addEventListener('click', () => show(current - 1));
  older.addEventListener('click', () => show(current + 1));
  card.append(el('div', { class: 'pager' }, newer, position, older));
  show(0);
  return card;
}

async function serverPage(name) {
  const [infoResult, runs, schedule] = await Promise.all([
    api('GET', `/api/servers/${enc(name)}/info`),
    api('GET', `/api/servers/${enc(name)}/runs?limit=100`).catch(() => null),
    api('GET', `/api/schedule?server=${enc(name)}`).catch(() => null),
  ]);
  const info = infoResult.servers[0];
  const backups = [...info.backups].sort((a, b) => b.stop_time.localeCompare(a.stop_time));
  const view = $('#view');
  const parts = [el('h1', { text: `Server ${name}` })];
  if (info.problem) parts.push(el('p', { class: 'error', text: info.problem }));

  const actions = el('div', { class: 'actions' });
  if (can('operator')) {
    actions.append(el('button', { id: 'backup-now', type: 'button', onclick: () => startJob('POST', `/api/servers/${enc(name)}/backups`, { type: 'incr' }) }, 'Back up now (incr)'));
    actions.append(el('button', { id: 'verify', type: 'button', class: 'secondary', onclick: () => startJob('POST', `/api/servers/${enc(name)}/verify`, {}) }, 'Verify repository'));
    actions.append(el('button', { id: 'drill', type: 'button', class: 'secondary', onclick: () => startJob('POST', `/api/servers/${enc(name)}/verify-restore`, {}) }, 'Restore drill'));
  }
  if (can('admin')) {
    actions.append(el('button', { id: 'restore-open', type: 'button', class: 'danger', onclick: () => { $('#restore-card').hidden = false; } }, 'Restore…'));
  }
  parts.push(actions, el('p', { id: 'action-result', class: 'muted', role: 'status' }));
  if (can('admin')) parts.push(restoreCard(name, info));

  parts.push(el('h2', { text: 'Recoverable window' }), el('div', { class: 'card' },
    info.window ? el('p', { id: 'window', text: `${when(info.window.from_time)} → ${when(info.window.to_time)} (from backup ${info.window.from_backup}, WAL up to ${info.window.to_wal})` })
      : el('p', { id: 'window', class: 'muted', text: 'No recoverable window yet.' }),
    ...(info.windows || []).filter(w => info.window && w.from_time !== info.window.from_time).map(w =>
      el('p', { class: 'muted window-earlier', text: `also ${when(w.from_time)} → ${when(w.to_time)} (from backup ${w.from_backup}, WAL up to ${w.to_wal}; before a WAL gap)` })),
    timeline(info),
    el('div', { class: 'legend' }, el('span', {}, el('i', { class: 'rag-green' }), 'recoverable'), el('span', {}, el('i', { class: 'rag-red' }), 'WAL gap'),
      el('span', {}, el('i', { class: 'rag-amber' }), `${info.wal_ranges.length} archived WAL range(s), ${info.wal_gaps.length} gap(s)`))));

  const points = [...backups].reverse().map(b => ({ t: new Date(b.stop_time), size: b.size, stored: b.stored_size, duration: b.duration_seconds }));
  parts.push(el('h2', { text: 'Backups over time' }), el('div', { class: 'card' },
    lineChart(points, [
      { key: 'size', label: 'size', class: 'line-size', format: bytes },
      { key: 'stored', label: 'stored bytes', class: 'line-stored', format: bytes },
      { key: 'duration', label: 'duration', class: 'line-duration', format: duration },
    ]),
    el('p', { class: 'muted', text: 'Size (blue), stored bytes (green) and duration (amber) per backup, each on its own scale.' })));

  parts.push(el('h2', {}, 'Backups (', el('span', { id: 'backups-count', text: String(backups.length) }), ')'), backupsTable(backups));
  if (schedule) {
    const entries = schedule.servers.find(s => s.server === name)?.entries ?? [];
    parts.push(el('h2', { text: 'Schedule' }), el('div', { class: 'card' }, entries.length ? table('schedule', [
      { label: 'Entry' }, { label: 'Cron' }, { label: 'Next runs' }, { label: 'Last' },
    ], entries.map(e => el('tr', {}, el('td', { text: e.key }), el('td', { text: e.cron }), el('td', { text: e.next_runs.map(when).join(', ') }),
      el('td', { text: e.last_status ? `${e.last_status} ${age(e.last_finished_at)}` : 'never' })))) : el('p', { class: 'muted', text: 'No schedule configured.' })));
  }

  const dumps = info.dumps ?? [];
  if (dumps.length) {
    parts.push(el('h2', { text: `Dumps (${dumps.length})` }), el('div', { class: 'card' }, table('dumps', [
      { label: 'Id' }, { label: 'Database' }, { label: 'Mode' }, { label: 'Started' }, { label: 'Size', num: true },
    ], [...dumps].reverse().map(d => el('tr', {}, el('td', { text: d.id }), el('td', { text: d.database }), el('td', { text: d.mode }),
      el('td', { text: when(d.start_time) }), el('td', { class: 'num', text: bytes(d.stored_size) }))))));
  }

  if (runs) {
    parts.push(el('h2', { text: `History (${runs.runs.length} of ${runs.total} runs)` }), el('div', { class: 'card' }, table('runs', [
      { label: 'Started' }, { label: 'Operation' }, { label: 'Status' }, { label: 'Origin', narrow: true }, { label: 'Duration', num: true }, { label: 'Size', num: true },
    ], runs.runs.flatMap(r => [
      el('tr', { class: r.status, 'data-run': r.run_id }, el('td', { text: when(r.started_at) }), el('td', { text: r.operation + (r.type ? ` (${r.type})` : '') }),
        el('td', { text: r.status }), el('td', { class: 'hide-narrow', text: r.origin }), el('td', { class: 'num', text: duration(r.duration_seconds) }),
        el('td', { class: 'num', text: bytes(r.size_bytes) })),
      r.error ? el('tr', { class: r.status }, el('td', { colspan: 6, class: 'error', text: r.error })) : null,
    ]))));
  }
  view.replaceChildren(...parts);
}

function restoreCard(name, info) {
  // The database list asks the live server (a connection, ~100 ms): fetched after the page is drawn, not before it.
  const select = el('select', { id: 'restore-database' });
  api('GET', '/api/databases').then(databases => {
    const names = (databases?.servers ?? []).flatMap(s => s.server === name ? s.databases : []);
    select.replaceChildren(...names.map(d => el('option', { value: d, text: d })));
  }).catch(() => {});
  const defaultTime = info.window ? info.window.to_time.replace(/\.\d+/, '') : '';
  const time = el('input', { id: 'restore-time', type: 'text', value: defaultTime, placeholder: 'ISO 8601 time, e.g. 2026-11-21T10:30:00Z' });
  const plan = el('div', { id: 'restore-plan', class: 'plan', hidden: true });
  const confirm = el('input', { id: 'restore-confirm', type: 'text', placeholder: 'type the database name to confirm', hidden: true });
  const runButton = el('button', { id: 'restore-run', type: 'button', class: 'danger', hidden: true }, 'Run restore');
  const args = () => ({ target_time: time.value.trim() || null, target: time.value.trim() ? null : 'latest' });
  const planButton = el('button', { id: 'restore-plan-button', type: 'button', class: 'secondary', onclick: async () => {
    plan.hidden = false;
    plan.textContent = 'Planning…';
    try {
      const job = await api('POST', `/api/servers/${enc(name)}/databases/${enc(select.value)}/restore`, { ...args(), dry_run: true, confirm: true }); // the API asks confirm of a destructive operation even for a dry run, which changes nothing
      const done = await followJob(job.id, p => { plan.textContent = `Planning… ${p}`; });
      if (done.state !== 'succeeded') throw new Error(done.error?.message ?? done.state);
      plan.textContent = JSON.stringify(done.result?.plan ?? done.result, null, 2);
      confirm.hidden = false;
      runButton.hidden = false;
    } catch (error) { plan.textContent = `Refused: ${error.message}`; }
  } }, 'Plan (dry run)');
  runButton.addEventListener('click', () => {
    if (confirm.value !== select.value) { plan.textContent = 'Type the database name exactly to confirm.'; return; }
    startJob('POST', `/api/servers/${enc(name)}/databases/${enc(select.value)}/restore`, { ...args(), confirm: true });
  });
  return el('div', { id: 'restore-card', class: 'card', hidden: true },
    el('h2', { text: 'Restore a database to a point in time' }),
    el('form', { onsubmit: e => e.preventDefault() }, el('label', { for: 'restore-database', text: 'Database' }), select,
      el('label', { for: 'restore-time', text: 'Target time (empty: latest)' }), time, planButton, plan, confirm, runButton));
}

async function followJob(id, onProgress) {
  for (;;) {
    const job = await api('GET', `/api/jobs/${enc(id)}`);
    if (!['queued', 'running'].includes(job.state)) return job;
    if (onProgress && job.progress) onProgress(`${job.progress.phase} ${job.progress.percent ?? ''}%`);
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

async function startJob(method, path, body) {
  const status = $('#action-result');
  try {
    const job = await api(method, path, body);
    if (status) status.textContent = job.id ? `Started job ${job.id} (${job.operation}); see Jobs.` : 'Done.';
    if (job.id) location.hash = '#/jobs';
  } catch (error) {
    if (status) status.textContent = `Refused: ${error.message}`;
  }
}

// ---- jobs and alerts -----------------------------------------------------------------------------------------------

async function jobsPage() {
  const { jobs } = await api('GET', '/api/jobs');
  const rows = jobs.map(j => {
    const running = ['queued', 'running'].includes(j.state);
    return el('tr', { 'data-job': j.id, class: j.state === 'failed' ? 'failure' : null },
      el('td', { text: j.id }), el('td', { text: j.operation }), el('td', { class: 'job-state', text: j.state + (j.cancel_requested && running ? ' (cancelling)' : '') }),
      el('td', {}, progressCell(j)),
      el('td', { text: when(j.created_at) }),
      el('td', {}, running && can('operator') ? el('button', { type: 'button', class: 'secondary cancel', onclick: async () => {
        try { await api('DELETE', `/api/jobs/${enc(j.id)}`); } catch (error) { alert(error.message); }
        run(jobsPage);
      } }, 'Cancel') : (j.error ? el('span', { class: 'error', text: j.error.message }) : '')));
  });
  $('#view').replaceChildren(el('h1', { text: 'Jobs' }), el('div', { class: 'card' }, jobs.length
    ? table('jobs', [{ label: 'Id' }, { label: 'Operation' }, { label: 'State' }, { label: 'Progress' }, { label: 'Created' }, { label: '' }], rows)
    : el('p', { class: 'muted', id: 'jobs', text: 'No jobs since the service started.' })));
}

// A job's progress: the bar and phase while it runs; once it has finished, its final state (a succeeded job's full bar,
// a failed or cancelled one's with where it stopped), not the empty bar of a job whose last report was its start.
function progressCell(job) {
  const percent = job.progress?.percent;
  const where = job.progress ? `${job.progress.phase}${percent !== null && percent !== undefined ? ` ${percent}%` : ''}` : '';
  const bar = (state, width, text) => {
    const fill = el('span', { 'data-percent': width });
    // Through the CSSOM: the page's policy allows no inline style attributes.
    fill.style.width = `${width}%`;
    return el('span', { class: 'job-progress', 'data-final': state }, el('span', { class: `progress progress-${state}` }, fill), ` ${text}`);
  };
  if (['queued', 'running'].includes(job.state)) return job.progress ? bar('running', percent ?? 0, where) : '';
  if (job.state === 'succeeded') return bar('succeeded', 100, '100%');
  return bar(job.state, 100, where ? `${job.state} at ${where}` : job.state);
}

async function alertsPage() {
  const result = await api('GET', '/api/alerts');
  $('#view').replaceChildren(el('h1', { text: 'Alerts' }), el('div', { class: 'card' }, result.alerts.length
    ? table('alerts', [{ label: 'Server' }, { label: 'Alert' }, { label: 'Since' }, { label: 'Message' }], result.alerts.map(a =>
      el('tr', { 'data-alert': `${a.server}/${a.kind}` }, el('td', { text: a.server }), el('td', { text: a.kind }), el('td', { text: when(a.since) }),
        el('td', { class: 'error', text: a.message }))))
    : el('p', { class: 'muted', id: 'alerts', text: 'No alert holds.' })));
}

// ---- start ---------------------------------------------------------------------------------------------------------

window.addEventListener('hashchange', route);
document.addEventListener('DOMContentLoaded', async () => {
  $('#signin').addEventListener('submit', signIn);
  $('#signout').addEventListener('click', signOut);
  try {
    signedIn(await api('GET', '/api/session'));
  } catch {
    showSignIn();
  }
});
