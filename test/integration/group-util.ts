// Helpers shared by the consumer-group integration tests (kcat, kafka-python,
// confluent-kafka-python, KafkaJS): long-running client processes whose
// output is read line by line, conditions awaited with deadlines (never fixed
// sleeps), records produced to chosen partitions, and a group's committed
// offsets read with a plain OffsetFetch.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { RawClient } from './raw-client.js';
import { run } from './harness.js';

/** A child process whose stdout and stderr are kept as lines, and which can be fed stdin lines. */
export class LineProcess {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly proc: ChildProcess;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;
  private partial = { out: '', err: '' };

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
  ) {
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const feed = (which: 'out' | 'err') => (d: Buffer) => {
      const text = this.partial[which] + d.toString();
      const lines = text.split('\n');
      this.partial[which] = lines.pop()!;
      this[which].push(...lines);
    };
    this.proc.stdout!.on('data', feed('out'));
    this.proc.stderr!.on('data', feed('err'));
    this.proc.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.proc.once('close', (code, signal) => {
        for (const which of ['out', 'err'] as const) if (this.partial[which]) this[which].push(this.partial[which]);
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }

  send(line: string): void {
    this.proc.stdin!.write(line + '\n');
  }

  closeStdin(): void {
    this.proc.stdin!.end();
  }

  /** SIGKILL (kill -9), and wait for the process to be gone. */
  async kill9(): Promise<void> {
    if (this.running) this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** Sends `signal` and waits up to `timeoutMs` for a clean exit; SIGKILL after that (and fails). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20000): Promise<void> {
    if (!this.running) return;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
    assert.notEqual(this.exitSignal, 'SIGKILL', `${this.name} did not exit within ${timeoutMs} ms of ${signal}\n${this.dump()}`);
  }

  dump(maxLines = 60): string {
    const tail = (a: string[]) => a.slice(-maxLines).join('\n');
    return `--- ${this.name} (exit ${this.exitCode ?? this.exitSignal ?? 'running'}) stdout:\n${tail(this.out)}\n--- ${this.name} stderr:\n${tail(this.err)}`;
  }
}

/**
 * Polls `fn` every `intervalMs` until it returns something other than
 * undefined; after `timeoutMs` fails with `what` and the output of `procs`.
 */
export async function until<T>(what: string | (() => string), fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 30000, procs: LineProcess[] = [], intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${last ? `: ${String(last)}` : ''}\n${procs.map((p) => p.dump()).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Values `${tag}-p${partition}-${i}` for i in [from, from + count). */
export function values(tag: string, partition: number, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${tag}-p${partition}-${from + i}`);
}

/** Produces `count` records to each of `partitions` with kcat (acks=all); returns the values sent per partition. */
export async function produceToPartitions(bootstrap: string, topic: string, partitions: number[], count: number, tag: string): Promise<Map<number, string[]>> {
  const sent = new Map<number, string[]>();
  await Promise.all(
    partitions.map(async (p) => {
      const vs = values(tag, p, count);
      const r = await run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', String(p), '-X', 'acks=all'], { input: vs.join('\n') + '\n' });
      assert.equal(r.status, 0, `kcat -P -p ${p}: ${r.stderr}`);
      sent.set(p, vs);
    }),
  );
  return sent;
}

export interface Committed {
  offset: number;
  metadata: string | null;
  errorCode: number;
}

/** A group's committed offsets for `topic` (OffsetFetch v5 to the only broker, which coordinates every group). */
export async function committedOffsets(port: number, group: string, topic: string, partitions: number[]): Promise<Map<number, Committed>> {
  const c = await RawClient.connect(port);
  try {
    const res = await c.request(9, 5, { groupId: group, topics: [{ name: topic, partitionIndexes: partitions }] });
    assert.equal(res.errorCode, 0, `OffsetFetch ${group}: error ${res.errorCode}`);
    const out = new Map<number, Committed>();
    for (const t of res.topics) {
      if (t.name !== topic) continue;
      for (const p of t.partitions) out.set(p.partitionIndex, { offset: p.committedOffset, metadata: p.metadata, errorCode: p.errorCode });
    }
    return out;
  } finally {
    c.close();
  }
}

/** Resolves once the group's committed offsets equal `expected` (partition → offset). */
export async function awaitCommitted(port: number, group: string, topic: string, expected: Map<number, number>, timeoutMs = 20000, procs: LineProcess[] = []): Promise<void> {
  const parts = [...expected.keys()];
  let seen = '';
  await until(
    () => `group ${group} to commit ${JSON.stringify([...expected])} (last seen ${seen})`,
    async () => {
      const got = await committedOffsets(port, group, topic, parts);
      seen = JSON.stringify(parts.map((p) => [p, got.get(p)?.offset]));
      return parts.every((p) => got.get(p)?.offset === expected.get(p)) ? true : undefined;
    },
    timeoutMs,
    procs,
    100,
  );
}

/** True when the sets are pairwise disjoint and their union is exactly 0..n-1. */
export function isDisjointCover(sets: Iterable<number>[], n: number): boolean {
  const seen = new Set<number>();
  for (const s of sets) {
    for (const p of s) {
      if (seen.has(p)) return false;
      seen.add(p);
    }
  }
  return seen.size === n && [...seen].every((p) => p >= 0 && p < n);
}

export const sortNum = (a: number[]): number[] => [...a].sort((x, y) => x - y);

export interface Rec {
  partition: number;
  offset: number;
  value: string;
}

/** A group member driven by a test: its current assignment (partitions of the test's topic) and the records it read. */
export interface Member {
  readonly name: string;
  /** The member's process, when it runs in one (its output goes into failure messages). */
  readonly lp?: LineProcess;
  readonly assignment: number[];
  readonly records: Rec[];
}

/** The partition a value made by values() was produced to. */
export const partitionOfValue = (v: string): number => Number(/-p(\d+)-\d+$/.exec(v)?.[1] ?? NaN);

/** Waits until the members' assignments are a disjoint cover of 0..n-1 with each member holding something. */
export async function awaitShare(ms: Member[], n: number, what: string, procs: LineProcess[] = ms.flatMap((m) => (m.lp ? [m.lp] : [])), timeoutMs = 30000): Promise<number[][]> {
  return until(
    () => `${what}: assignments ${ms.map((m) => `${m.name}=${JSON.stringify(m.assignment)}`).join(' ')}`,
    () => {
      const a = ms.map((m) => m.assignment);
      return a.every((x) => x.length > 0) && isDisjointCover(a, n) ? a : undefined;
    },
    timeoutMs,
    procs,
  );
}

/** Waits until `ms` together have read every value in `sent`. */
export async function awaitRecords(ms: Member[], sent: Map<number, string[]>, what: string, procs: LineProcess[] = ms.flatMap((m) => (m.lp ? [m.lp] : [])), timeoutMs = 30000): Promise<void> {
  const want = new Set([...sent.values()].flat());
  await until(
    () => `${what}: ${want.size} records (have ${ms.map((m) => `${m.name}:${m.records.filter((r) => want.has(r.value)).length}`).join(' ')})`,
    () => {
      const got = new Set(ms.flatMap((m) => m.records.map((r) => r.value)).filter((v) => want.has(v)));
      return got.size === want.size ? true : undefined;
    },
    timeoutMs,
    procs,
  );
}

/** Each record of `sent` was read exactly once, from its own partition, by a member holding that partition (`owners[i]` for `ms[i]`). */
export function assertReadOnceByOwner(ms: Member[], sent: Map<number, string[]>, owners: number[][]): void {
  const want = new Set([...sent.values()].flat());
  const counts = new Map<string, number>();
  ms.forEach((m, i) => {
    for (const r of m.records) {
      if (!want.has(r.value)) continue;
      counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
      assert.equal(partitionOfValue(r.value), r.partition, `${r.value} arrived from partition ${r.partition}`);
      assert.ok(owners[i]!.includes(r.partition), `${m.name} read ${r.value} from partition ${r.partition} but holds ${owners[i]}`);
    }
  });
  for (const v of want) assert.equal(counts.get(v), 1, `${v} read ${counts.get(v) ?? 0} times`);
}

/** partition → offset after the records in `sent`, given `base` records before them in each partition. */
export const endOffsets = (sent: Map<number, string[]>, base = 0): Map<number, number> => new Map([...sent].map(([p, vs]) => [p, base + vs.length]));
