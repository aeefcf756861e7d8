/**
 * The developer page's files (developer-page.ts serves them): plain HTML, CSS and
 * a script with no build step, kept as strings so that they ship inside the
 * package's JavaScript. The script polls `/developer/api/state` and writes every
 * value with `textContent`: connection data comes from clients and is never markup.
 */

export const DEVELOPER_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard developer page</title>
<link rel="stylesheet" href="/developer/app.css">
<script type="module" src="/developer/app.js"></script>
</head>
<body>
<header>
  <h1>Switchboard</h1>
  <span>stage <strong id="stage"></strong></span>
  <span id="status" role="status">connecting…</span>
</header>
<main>
  <section aria-labelledby="connections-title">
    <h2 id="connections-title">Connections <span id="connection-count"></span></h2>
    <table id="connections">
      <thead><tr><th>Connection</th><th>Principal</th><th>Authorizer context</th><th>Source IP</th><th>User agent</th><th>Connected</th><th>Last active</th><th>Channels</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section aria-labelledby="console-title">
    <h2 id="console-title">Console</h2>
    <form id="console">
      <label>Connection <input id="console-connection" required autocomplete="off" spellcheck="false"></label>
      <label>Frame <textarea id="console-frame" rows="3" spellcheck="false"></textarea></label>
      <div>
        <button type="submit" id="console-send">Send</button>
        <button type="button" id="console-disconnect">Disconnect</button>
        <output id="console-result"></output>
      </div>
    </form>
  </section>
  <section aria-labelledby="routes-title">
    <h2 id="routes-title">Routes</h2>
    <table id="routes">
      <thead><tr><th>Route</th><th>Requests</th><th>Errors</th><th>Mean integration latency</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section aria-labelledby="events-title">
    <h2 id="events-title">Last events</h2>
    <table id="events">
      <thead><tr><th>Time</th><th>Event</th><th>Connection</th><th>Route</th><th>Status</th><th>Integration status</th><th>Latency</th><th>Body</th><th>Detail</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
</body>
</html>
`;

export const DEVELOPER_PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #f6f6f8; }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: 0.75rem 1.25rem; background: #1d2433; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; }
#status { margin-left: auto; opacity: 0.8; }
main { padding: 0 1.25rem 2rem; }
section { margin-top: 1.25rem; }
h2 { font-size: 1rem; margin: 0 0 0.5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #e3e3e8; vertical-align: top; }
td { font-family: ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere; max-width: 28rem; }
tr.error td { background: #fff1f0; }
button.connection { font: inherit; background: none; border: 0; padding: 0; color: #0b57d0; cursor: pointer; text-decoration: underline; }
form { display: grid; gap: 0.5rem; max-width: 48rem; }
label { display: grid; gap: 0.2rem; }
input, textarea { font: 12px ui-monospace, monospace; padding: 0.3rem; }
output { margin-left: 1rem; }
`;

export const DEVELOPER_PAGE_SCRIPT = `
const POLL_MS = 1000;
const MAX_EVENT_ROWS = 500;
const byId = (id) => document.getElementById(id);
let lastSeq = 0;

function cell(row, value) {
  const td = document.createElement('td');
  td.textContent = value === undefined || value === null ? '' : String(value);
  row.append(td);
  return td;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString();
}

function useConnection(id) {
  byId('console-connection').value = id;
  byId('console-frame').focus();
}

function renderConnections(state) {
  const shown = state.connections.length;
  byId('connection-count').textContent =
    shown < state.connectionCount ? '(' + shown + ' of ' + state.connectionCount + ')' : '(' + shown + ')';
  const rows = state.connections.map((connection) => {
    const row = document.createElement('tr');
    const pick = document.createElement('button');
    pick.type = 'button';
    pick.className = 'connection';
    pick.textContent = connection.connectionId;
    pick.title = 'Send a frame to this connection';
    pick.addEventListener('click', () => useConnection(connection.connectionId));
    cell(row, '').append(pick);
    cell(row, connection.principalId);
    const context = Object.keys(connection.context).length > 0 ? JSON.stringify(connection.context) : '';
    cell(row, context);
    cell(row, connection.sourceIp);
    cell(row, connection.userAgent);
    cell(row, clock(connection.connectedAt));
    cell(row, clock(connection.lastActiveAt));
    cell(row, connection.channels);
    return row;
  });
  byId('connections').tBodies[0].replaceChildren(...rows);
}

function renderRoutes(state) {
  const rows = state.routes.map((route) => {
    const row = document.createElement('tr');
    if (route.errors > 0) row.className = 'error';
    cell(row, route.routeKey);
    cell(row, route.requests);
    cell(row, route.errors);
    cell(row, route.meanLatencyMs === null ? '' : route.meanLatencyMs + ' ms');
    return row;
  });
  byId('routes').tBodies[0].replaceChildren(...rows);
}

function detailOf(event) {
  if (event.error) return event.error;
  if (event.type === 'DISCONNECT') return event.disconnectStatusCode + ' ' + (event.disconnectReason || '');
  if (event.principalId) return 'principal ' + event.principalId;
  return '';
}

function renderEvents(events) {
  const body = byId('events').tBodies[0];
  for (const event of events) {
    const row = document.createElement('tr');
    row.dataset.seq = String(event.seq);
    if ((event.status || 0) >= 400 || (event.integrationStatus || 0) >= 500) row.className = 'error';
    cell(row, clock(event.time));
    cell(row, event.type);
    cell(row, event.connectionId);
    cell(row, event.routeKey);
    cell(row, event.status);
    cell(row, event.integrationStatus);
    cell(row, event.integrationLatencyMs === undefined ? '' : event.integrationLatencyMs + ' ms');
    cell(row, event.body);
    cell(row, detailOf(event));
    body.prepend(row);
  }
  while (body.rows.length > MAX_EVENT_ROWS) body.lastElementChild.remove();
}

async function poll() {
  try {
    const response = await fetch('/developer/api/state?after=' + lastSeq, { cache: 'no-store' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const state = await response.json();
    byId('stage').textContent = state.stage;
    renderConnections(state);
    renderRoutes(state);
    renderEvents(state.events);
    lastSeq = state.lastSeq;
    byId('status').textContent = 'live';
  } catch (error) {
    byId('status').textContent = 'cannot reach the gateway (' + error.message + '), retrying';
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

async function consoleCall(method, body) {
  const id = byId('console-connection').value.trim();
  const result = byId('console-result');
  if (id === '') {
    result.textContent = 'Choose a connection first';
    return;
  }
  result.textContent = '…';
  try {
    const response = await fetch('/developer/api/connections/' + encodeURIComponent(id), {
      method,
      headers: { 'x-switchboard-developer': '1', 'content-type': 'text/plain; charset=utf-8' },
      body,
    });
    const answer = await response.json();
    result.textContent = response.status + ' ' + (answer.type ? answer.type + ': ' : '') + answer.message;
  } catch (error) {
    result.textContent = 'failed: ' + error.message;
  }
}

byId('console').addEventListener('submit', (event) => {
  event.preventDefault();
  void consoleCall('POST', byId('console-frame').value);
});
byId('console-disconnect').addEventListener('click', () => void consoleCall('DELETE'));
void poll();
`;
