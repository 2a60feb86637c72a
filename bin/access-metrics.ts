/**
 * Metrics of access control, added to a process's registry: refusals by
 * reason (origin, auth, forbidden topics, each limit), connections and
 * subscriptions per tenant, ingest key refusals. Read at scrape time.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Admission } from '../gateway/admission.js';
import type { IngestAuthStats } from '../ingest/ingest-auth.js';

export interface AccessSources {
  admission?: Admission;
  sessions?: () => Map<string, { connections: number; subscriptions: number; messagesOut: number }>;
  ingestAuth?: { stats: IngestAuthStats };
}

export function addAccessMetrics(register: Registry, sources: AccessSources): void {
  const { admission, sessions, ingestAuth } = sources;
  if (admission) {
    new Counter({
      name: 'rt_gateway_refusals_total',
      help: 'refused upgrades, frames and topics by reason (origin, auth, forbidden, instance_limit, address_limit, tenant_limit, rate_limited) and tenant ("" when none is known)',
      labelNames: ['reason', 'tenant'],
      registers: [register],
      collect() {
        this.reset();
        const perTenant = new Map<string, number>();
        for (const [tenant, c] of admission.perTenant) {
          for (const [reason, n] of c.refusals) {
            this.inc({ reason, tenant }, n);
            perTenant.set(reason, (perTenant.get(reason) ?? 0) + n);
          }
        }
        for (const [reason, n] of admission.refusals) {
          const rest = n - (perTenant.get(reason) ?? 0);
          if (rest > 0) this.inc({ reason, tenant: '' }, rest);
        }
      },
    });
  }
  if (sessions) {
    const read = (field: 'connections' | 'subscriptions') =>
      function (this: Gauge) {
        this.reset();
        for (const [tenant, s] of sessions()) this.set({ tenant }, s[field]);
      };
    new Gauge({ name: 'rt_gateway_tenant_connections', help: 'open connections bound to a tenant', labelNames: ['tenant'], registers: [register], collect: read('connections') });
    new Gauge({ name: 'rt_gateway_tenant_subscriptions', help: 'topics held by connections of a tenant', labelNames: ['tenant'], registers: [register], collect: read('subscriptions') });
    new Counter({
      name: 'rt_gateway_tenant_messages_sent_total',
      help: 'messages sent to connections of a tenant (one per recipient)',
      labelNames: ['tenant'],
      registers: [register],
      collect() {
        this.reset();
        for (const [tenant, s] of sessions()) this.inc({ tenant }, s.messagesOut);
      },
    });
  }
  if (ingestAuth) {
    new Counter({
      name: 'rt_ingest_refusals_total',
      help: 'ingest requests refused by reason (missing_key, unknown_key, forbidden_topic, rate_limited)',
      labelNames: ['reason'],
      registers: [register],
      collect() {
        this.reset();
        const s = ingestAuth.stats;
        this.inc({ reason: 'missing_key' }, s.missing);
        this.inc({ reason: 'unknown_key' }, s.unknown);
        this.inc({ reason: 'forbidden_topic' }, s.forbidden);
        this.inc({ reason: 'rate_limited' }, s.rateLimited);
      },
    });
  }
}
