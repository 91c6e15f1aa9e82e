// Helpers shared by bench/client.ts and bench/groups.ts: topic admin over a
// RawClient, CPU accounting around a measurement (the broker's, this
// process's, and every other process's, from /proc), the page-cache warm-up,
// and the top of a .cpuprofile by self time.

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { RawClient } from '../../test/integration/raw-client.js';
import { cpuSeconds, machineCpu } from './broker.js';

export const MB = 1e6;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
export const pct = (r: number, d = 0) => `${fmt(r * 100, d)}%`;
export const log = (s: string) => process.stdout.write(`${s}\n`);

export async function withClient<T>(port: number, fn: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

export async function createTopic(port: number, name: string, partitions: number): Promise<void> {
  const r = await withClient(port, (c) =>
    c.request(19, 5, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30000,
      validateOnly: false,
    }),
  );
  const t = r.topics[0];
  if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage}`);
}

export async function deleteTopic(port: number, name: string): Promise<void> {
  const r = await withClient(port, (c) => c.request(20, 4, { topicNames: [name], timeoutMs: 30000 }));
  const t = r.responses[0];
  if (t.errorCode !== 0) throw new Error(`DeleteTopics ${name}: error ${t.errorCode} ${t.errorMessage}`);
}

export interface Load {
  /** Wall seconds of the measurement. */
  wall: number;
  /** CPU the broker used, in cores. */
  brokerCpu: number;
  /** CPU of the extra process measured (a client), in cores; 0 when none. */
  helperCpu: number;
  /** CPU every other process used (the machine minus the broker, this process and the helper), in cores. */
  others: number;
}

/**
 * Runs fn while sampling CPU time: the broker's, a helper process's (read
 * through `helperCpu`, since a child that exits takes its /proc entry with
 * it), this process's, and the whole machine's.
 */
export async function withLoad<T>(
  brokerPid: number,
  fn: () => Promise<T>,
  helperCpu: (r: T) => number = () => 0,
): Promise<{ r: T } & Load> {
  const b0 = cpuSeconds(brokerPid);
  const s0 = process.cpuUsage();
  const m0 = machineCpu();
  const t0 = performance.now();
  const r = await fn();
  const wall = (performance.now() - t0) / 1000;
  const m1 = machineCpu();
  const s1 = process.cpuUsage(s0);
  const broker = cpuSeconds(brokerPid) - b0;
  const helper = helperCpu(r);
  const self = (s1.user + s1.system) / 1e6;
  const others = Math.max(0, m1.busy - m0.busy - broker - helper - self) / wall;
  return { r, wall, brokerCpu: broker / wall, helperCpu: helper / wall, others };
}

/**
 * Writes and deletes `bytes` under `dir` before measuring: on these VMs,
 * page-cache writes into guest memory never touched before run about 10×
 * slower (see docs/benchmarks.md), which would slow whichever run comes first.
 */
export function warmPageCache(dir: string, bytes = 4 * 2 ** 30): number {
  const t0 = performance.now();
  const file = path.join(dir, 'warm-up');
  const chunk = Buffer.alloc(16 << 20, 1);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < bytes / chunk.length; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  fs.rmSync(file);
  return (performance.now() - t0) / 1000;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** The functions with the most self time in a .cpuprofile, as shares of the busy (non-idle) samples. */
export function topSelfTime(file: string, n: number): { name: string; share: number }[] {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]!)!;
    const dt = prof.timeDeltas[i] ?? 0;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') continue;
    busy += dt;
    const url = cf.url.replace(/^file:\/\/.*?\/dist\//, '').replace(/^file:\/\/.*?\/node_modules\//, '');
    const where = cf.url ? ` ${url}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, t]) => ({ name, share: t / busy }));
}
