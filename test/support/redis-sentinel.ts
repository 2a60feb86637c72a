/**
 * A real Sentinel deployment for one test: a master and one replica
 * (redis-server via startRedis, both with `appendfsync always` when asked)
 * and 1..3 Sentinels (`redis-server <conf> --sentinel`) watching them, all
 * on free ports. Fault tests fail the master over (SENTINEL FAILOVER) or
 * SIGKILL it and wait for the replica's promotion.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { redisCommand, startRedis, type TestRedis } from './redis-server.js';

export const MASTER_NAME = 'rtmaster';

export interface SentinelOptions {
  sentinels?: number;
  /** AOF with appendfsync always on master and replica. */
  aof?: boolean;
  /** How long a silent master takes to be judged down (default 1 000 ms). */
  downAfterMs?: number;
  /**
   * `min-replicas-to-write` on every node: a master that lost its replica
   * (demoted by a failover it has not heard of yet) refuses writes rather
   * than accepting ones the new master will never have.
   */
  minReplicasToWrite?: number;
}

export interface TestSentinel {
  /** redis+sentinel://… naming every Sentinel and the master. */
  url: string;
  /** The nodes, master first as started; after a failover `master()` says which is which. */
  nodes: TestRedis[];
  sentinelPorts: number[];
  /** Pids of every process (for RSS sampling). */
  pids: number[];
  /** The current master's port, as the Sentinels see it. */
  masterPort(): Promise<number>;
  /** SENTINEL FAILOVER, then waits until the Sentinels name the other node. */
  failover(): Promise<number>;
  /**
   * SIGKILLs the current master, waits until the Sentinels name the replica,
   * then starts the killed node again on its port and data directory as a
   * replica of the new master (as a supervisor restarting Redis would), and
   * waits until the group is whole again. Resolves with the promoted replica's port.
   */
  killMaster(): Promise<number>;
  stop(): Promise<void>;
}


async function startSentinel(masterPort: number, quorum: number, downAfterMs: number): Promise<{ port: number; dir: string; child: ChildProcess }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rt-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} ${quorum}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfterMs}`,
      `sentinel failover-timeout ${MASTER_NAME} 10000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sentinel did not start on port ${port}:\n${out}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('+monitor master')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sentinel exited with ${code}:\n${out}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { port, dir, child };
}

export async function startSentinelGroup(options: SentinelOptions = {}): Promise<TestSentinel> {
  const count = options.sentinels ?? 1;
  const minReplicas = options.minReplicasToWrite ? ['--min-replicas-to-write', String(options.minReplicasToWrite), '--min-replicas-max-lag', '10'] : [];
  const persistence = { aof: options.aof };
  const master = await startRedis({ ...persistence, args: minReplicas });
  const replica = await startRedis({ ...persistence, args: [...minReplicas, '--replicaof', '127.0.0.1', String(master.port)] });
  const nodes = [master, replica];
  // The replica must be in sync before anything relies on it.
  for (const deadline = Date.now() + 10_000; ; ) {
    const info = String(await redisCommand(replica.port, ['INFO', 'replication']));
    if (/master_link_status:up/.test(info)) break;
    if (Date.now() > deadline) throw new Error(`replica on ${replica.port} did not sync with ${master.port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const quorum = Math.floor(count / 2) + 1;
  const sentinels: { port: number; dir: string; child: ChildProcess }[] = [];
  for (let i = 0; i < count; i++) sentinels.push(await startSentinel(master.port, quorum, options.downAfterMs ?? 1000));
  const ports = sentinels.map((s) => s.port);

  const masterPort = async (): Promise<number> => {
    const reply = (await redisCommand(ports[0], ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME])) as [string, string];
    return Number(reply[1]);
  };
  const untilMasterIsNot = async (old: number): Promise<number> => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const port = await masterPort();
      if (port !== old) return port;
    }
    throw new Error(`Sentinel did not fail over from ${old} within 30 s`);
  };
  // The Sentinels must know the replica (and each other) before a failover can pick it.
  for (const deadline = Date.now() + 15_000; ; ) {
    const replicas = (await redisCommand(ports[0], ['SENTINEL', 'REPLICAS', MASTER_NAME])) as unknown[];
    const others = count === 1 ? [] : ((await redisCommand(ports[0], ['SENTINEL', 'SENTINELS', MASTER_NAME])) as unknown[]);
    if (replicas.length >= 1 && others.length >= count - 1) break;
    if (Date.now() > deadline) throw new Error('Sentinels did not discover the replica and each other in 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `redis+sentinel://${ports.map((p) => `127.0.0.1:${p}`).join(',')}/${MASTER_NAME}`,
    nodes,
    sentinelPorts: ports,
    pids: [...nodes.map((n) => n.process.pid!), ...sentinels.map((s) => s.child.pid!)],
    masterPort,
    async failover() {
      const old = await masterPort();
      await redisCommand(ports[0], ['SENTINEL', 'FAILOVER', MASTER_NAME]);
      return untilMasterIsNot(old);
    },
    async killMaster() {
      const old = await masterPort();
      const index = nodes.findIndex((n) => n.port === old);
      await nodes[index].kill();
      const promoted = await untilMasterIsNot(old);
      // Back as a replica of the new master, as its supervisor's config (or a
      // Sentinel-rewritten one) would start it, and in sync before going on.
      nodes[index] = await startRedis({ ...persistence, port: old, dir: nodes[index].dir, args: [...minReplicas, '--replicaof', '127.0.0.1', String(promoted)] });
      // On a loaded machine the Sentinels may fail over once more meanwhile,
      // even back to this node: the group is whole again when this node
      // follows the master they name now, or is that master with a replica
      // in sync. Returns the replica the kill promoted.
      for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
        const current = await masterPort();
        const info = String(await redisCommand(old, ['INFO', 'replication']));
        const following = current !== old && info.includes(`master_port:${current}`) && /master_link_status:up/.test(info);
        const leading = current === old && /role:master/.test(info) && /slave0:.*state=online/.test(info);
        if (following || leading) return promoted;
        if (Date.now() > deadline) throw new Error(`the restarted node ${old} neither follows nor leads with a replica in sync the master the Sentinels name (${current}, first promoted ${promoted}) in 30 s:\n${info}`);
      }
    },
    async stop() {
      for (const s of sentinels) {
        if (s.child.exitCode === null && s.child.signalCode === null) {
          const exited = new Promise((r) => s.child.once('exit', r));
          s.child.kill('SIGTERM');
          await exited;
        }
        rmSync(s.dir, { recursive: true, force: true });
      }
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
