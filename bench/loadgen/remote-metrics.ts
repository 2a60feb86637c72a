/**
 * What the load generator reads from a remote rt gateway's /metrics
 * (Prometheus text): process CPU seconds and messages sent, so that CPU per
 * delivery can be measured on a deployment without access to its /proc.
 * Behind a load balancer this is the instance that answered the scrape.
 */

export interface GatewayMetrics {
  cpuSeconds: number;
  messagesSent: number;
  connections: number;
}

function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`/metrics has no ${name}: is this an rt gateway?`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

export async function readGatewayMetrics(url: string): Promise<GatewayMetrics> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const text = await res.text();
  return {
    cpuSeconds: sample(text, 'rt_process_cpu_seconds_total'),
    messagesSent: sample(text, 'rt_gateway_messages_sent_total'),
    connections: sample(text, 'rt_gateway_connections'),
  };
}
