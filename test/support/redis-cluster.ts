/**
 * A real Redis Cluster for one test: `masters` redis-servers with
 * `--cluster-enabled yes` (each via startRedis, on free ports), optionally
 * `replicasPerMaster` replicas each, joined with
 * `redis-cli --cluster create … --cluster-replicas n --cluster-yes`, and
 * ready once every node reports `cluster_state:ok`. Fault tests SIGKILL a
 * master and wait for its replica's promotion.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { redisCommand, startRedis, type TestRedis } from './redis-server.js';

const run = promisify(execFile);

export interface ClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** AOF with appendfsync always on every node. */
  aof?: boolean;
  /** cluster-node-timeout in ms (default 1 000: quick failover for tests). */
  nodeTimeoutMs?: number;
}

export interface TestCluster {
  /** redis://127.0.0.1:<port of the first node> (any node works as the seed). */
  url: string;
  /** Every node as a comma-separated seed list. */
  seeds: string;
  nodes: TestRedis[];
  pids: number[];
  /** Port of the master serving `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /**
   * SIGKILLs the master serving `key`, waits until a replica took over its
   * slots and the cluster is ok again, then starts the killed node again,
   * which rejoins as the new master's replica; returns the new master's port.
   */
  killMasterOf(key: string): Promise<number>;
  stop(): Promise<void>;
}


async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 100))) {
    try {
      if (await check()) return;
    } catch {
      // a node still starting or just killed
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
  }
}

/** Whether `port` is free on 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port for a cluster node: redis-server also listens on port + 10 000
 * for the cluster bus and refuses ports above 55 535, which this machine's
 * ephemeral range (up to 60 999) hands out about one time in five.
 */
export async function freeClusterPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = await freePort();
    if (port <= 55_535 && (await isFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair (p, p + 10 000) for a cluster node');
}

export async function startRedisCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const args = ['--cluster-enabled', 'yes', '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000)];
  const started = await Promise.allSettled(Array.from({ length: masters * (1 + replicas) }, async () => startRedis({ aof: options.aof, args, port: await freeClusterPort() })));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    // The nodes that did start would keep the test process alive.
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  const alive = new Set(nodes);
  try {
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 60_000 });
    await until(async () => {
      for (const n of nodes) if (!/cluster_state:ok/.test(String(await redisCommand(n.port, ['CLUSTER', 'INFO'])))) return false;
      // Replicas in sync, so a failover has something to promote.
      for (const n of nodes) {
        const info = String(await redisCommand(n.port, ['INFO', 'replication']));
        if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) return false;
      }
      return true;
    }, 'cluster_state:ok on every node');
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
  const anyAlive = (): TestRedis => [...alive][0];
  const masterOf = async (key: string): Promise<number> => {
    const slot = Number(await redisCommand(anyAlive().port, ['CLUSTER', 'KEYSLOT', key]));
    const shards = (await redisCommand(anyAlive().port, ['CLUSTER', 'SLOTS'])) as [number, number, [string, number, string]][];
    const shard = shards.find(([from, to]) => slot >= from && slot <= to);
    if (!shard) throw new Error(`no master serves slot ${slot}`);
    return Number(shard[2][1]);
  };
  return {
    url: nodes[0].url,
    seeds: nodes.map((n) => n.url).join(','),
    nodes,
    pids: nodes.map((n) => n.process.pid!),
    masterOf,
    async killMasterOf(key) {
      const old = await masterOf(key);
      const victim = nodes.find((n) => n.port === old)!;
      alive.delete(victim);
      await victim.kill();
      let promoted = old;
      await until(async () => {
        promoted = await masterOf(key);
        if (promoted === old) return false;
        for (const n of alive) if (!/cluster_state:ok/.test(String(await redisCommand(n.port, ['CLUSTER', 'INFO'])))) return false;
        return true;
      }, `a replica took over from the killed master ${old}`);
      // As a supervisor would, start the killed node again (same port, same
      // nodes.conf): it rejoins as a replica of the promoted one and syncs.
      const index = nodes.indexOf(victim);
      nodes[index] = await startRedis({ aof: options.aof, args, port: old, dir: victim.dir });
      alive.add(nodes[index]);
      await until(async () => {
        const info = String(await redisCommand(old, ['INFO', 'replication']));
        return info.includes(`master_port:${promoted}`) && /master_link_status:up/.test(info);
      }, `the restarted node ${old} replicates the promoted ${promoted}`);
      return promoted;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
