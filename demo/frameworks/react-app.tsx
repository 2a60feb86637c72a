/**
 * The React 19 page of the demo (/react.html): the rt elements in JSX, and a
 * plain React component fed by the `useTopic` hook. Built by build.mjs with
 * esbuild into dist/pages/react.js; no framework CLI.
 */
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import '../../widgets/index.js';
import { useTopic } from '../../widgets/react/index.js';

/** A React-rendered number from the hook: what a product team writes for its own markup. */
function OrdersBadge() {
  const { message, status } = useTopic('orders.per_min');
  return (
    <p className="hook" data-status={status}>
      Orders per minute (from <code>useTopic</code>):{' '}
      <strong id="hook-value">{message?.value === undefined ? '—' : message.value.toFixed(1)}</strong>
      <span className="hook-status"> · {status}</span>
    </p>
  );
}

function App() {
  const [topic, setTopic] = useState('cpu.api');
  return (
    <main>
      <h1>rt in React 19</h1>
      <OrdersBadge />
      <label>
        Metric topic{' '}
        <select id="topic" value={topic} onChange={(e) => setTopic(e.target.value)}>
          <option value="cpu.api">cpu.api</option>
          <option value="cpu.worker">cpu.worker</option>
        </select>
      </label>
      <div className="grid">
        <rt-metric id="metric" topic={topic} label={`CPU · ${topic.split('.')[1]}`} unit="%" decimals={1} />
        <rt-chart topics="http.latency.p50,http.latency.p95" label="Latency (ms)" />
      </div>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
