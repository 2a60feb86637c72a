// The peer of `npm run bench:widgets`: the same dashboard written the way the
// classic "real-time dashboard with WebSockets" tutorial writes it. Each
// widget opens its own WebSocket to the gateway, subscribes to its topic, and
// renders every message the moment it arrives: the metric sets its text, the
// chart pushes the point, trims the window and calls uPlot's setData, the log
// appends a row and scrolls to the bottom. No frame batching, no virtual list,
// no off-screen skipping. Plain browser JavaScript, as the tutorial has it;
// served as is by the bench (uPlot comes from its IIFE build).
/* global uPlot */

const CHART_HEIGHT = 200;
const LOG_MAX_ROWS = 500;

/** Sockets open now, and how often one closed; read by the bench. */
export const sockets = { open: 0, closes: 0 };

function connect(gateway, topic, extra, onMessage) {
  const socket = new WebSocket(gateway);
  let opened = false;
  socket.onopen = () => {
    opened = true;
    sockets.open++;
    socket.send(JSON.stringify({ op: 'sub', topics: [{ topic, ...extra }] }));
  };
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.op !== 'msgs') return;
    for (const msg of frame.msgs) onMessage(msg);
  };
  // As the tutorial does: try again a second later.
  socket.onclose = () => {
    if (opened) sockets.open--;
    sockets.closes++;
    setTimeout(() => connect(gateway, topic, extra, onMessage), 1000);
  };
  return socket;
}

function card(parent, title) {
  const box = document.createElement('div');
  box.className = 'card';
  const h = document.createElement('h3');
  h.textContent = title;
  box.append(h);
  parent.append(box);
  return box;
}

export function naiveMetric(parent, gateway, topic) {
  const box = card(parent, topic);
  const value = document.createElement('div');
  value.className = 'value';
  value.textContent = '—';
  box.append(value);
  connect(gateway, topic, { snapshot: 1 }, (msg) => {
    value.textContent = msg.value.toFixed(2);
  });
  return { points: () => 1 };
}

export function naiveChart(parent, gateway, topic, windowSeconds) {
  const box = card(parent, topic);
  const times = [];
  const values = [];
  const chart = new uPlot(
    { width: box.clientWidth - 20, height: CHART_HEIGHT, series: [{}, { label: topic, stroke: '#2f6fde' }], legend: { show: false } },
    [times, values],
    box,
  );
  connect(gateway, topic, { snapshotMs: windowSeconds * 1000 }, (msg) => {
    times.push(msg.ts / 1000);
    values.push(msg.value);
    const oldest = Date.now() / 1000 - windowSeconds;
    while (times.length > 0 && times[0] < oldest) {
      times.shift();
      values.shift();
    }
    chart.setData([times, values]);
  });
  return { points: () => times.length };
}

export function naiveLog(parent, gateway, topic) {
  const box = card(parent, topic);
  const list = document.createElement('div');
  list.className = 'log';
  box.append(list);
  connect(gateway, topic, {}, (msg) => {
    const row = document.createElement('div');
    row.textContent = `${new Date(msg.ts).toLocaleTimeString()} ${msg.data.level} ${msg.data.msg}`;
    list.append(row);
    if (list.children.length > LOG_MAX_ROWS) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  });
  return { points: () => list.children.length };
}
