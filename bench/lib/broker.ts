// Starting Samsa as users do (a separate `node bin/samsa.js server-start`
// process), timing it to the first answered request, and reading its RSS and
// CPU time from /proc.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { API_VERSIONS, FrameScanner, encodeRequest } from './wire.js';

/** The repository root (this file runs from dist/bench/lib/). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SAMSA_BIN = path.join(REPO, 'bin/samsa.js');

export interface BrokerHandle {
  proc: ChildProcess;
  pid: number;
  port: number;
  dir: string;
  /** Spawn to the first answered ApiVersions, ms. */
  readyMs: number;
  /** The last few KB the broker printed. */
  output(): string;
  /** Garbage collections so far, counted from `--trace-gc` lines (all zero without that flag). */
  gc(): GcStats;
  /** SIGTERM (a clean shutdown) and wait for exit. */
  stop(): Promise<number | null>;
}

export interface GcStats {
  scavenges: number;
  markCompacts: number;
  /** Sum of the main-thread pauses V8 reports, ms. */
  pauseMs: number;
  /** Longest single pause since the broker started, ms (gcDelta keeps it as is). */
  maxPauseMs: number;
}

const GC_LINE = /: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)\b[^,]*, ([\d.]+) \/ [\d.]+ ms/g;

export function gcDelta(a: GcStats, b: GcStats): GcStats {
  return {
    scavenges: b.scavenges - a.scavenges,
    markCompacts: b.markCompacts - a.markCompacts,
    pauseMs: b.pauseMs - a.pauseMs,
    maxPauseMs: b.maxPauseMs,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects as soon as the port accepts, sends ApiVersions v3, resolves when it is answered. */
async function untilAnswered(port: number, proc: ChildProcess, timeoutMs: number, out: () => string): Promise<void> {
  const request = encodeRequest(API_VERSIONS, 3, 1, { clientSoftwareName: 'samsa-bench', clientSoftwareVersion: '1' });
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`broker exited early:\n${out()}`);
    if (performance.now() > deadline) throw new Error(`broker did not answer within ${timeoutMs} ms:\n${out()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('error', () => {
        s.destroy();
        resolve(false);
      });
      s.once('connect', () => {
        const scanner = new FrameScanner(() => {
          s.destroy();
          resolve(true);
        });
        s.on('data', (d: Buffer) => scanner.push(d));
        s.once('close', () => resolve(false));
        s.write(request);
      });
    });
    if (ok) return;
    await sleep(2);
  }
}

export async function startBroker(opts: {
  dir: string;
  port?: number;
  overrides?: Record<string, string>;
  nodeArgs?: string[];
  timeoutMs?: number;
  /** Extra environment for the broker process. */
  env?: Record<string, string>;
  /** Another build's bin/samsa.js (an A/B of two builds); default this one's. */
  bin?: string;
}): Promise<BrokerHandle> {
  const port = opts.port ?? (await freePort());
  const args = [...(opts.nodeArgs ?? []), opts.bin ?? SAMSA_BIN, 'server-start'];
  const overrides = { listeners: `PLAINTEXT://127.0.0.1:${port}`, 'log.dirs': opts.dir, ...(opts.overrides ?? {}) };
  for (const [k, v] of Object.entries(overrides)) args.push('--override', `${k}=${v}`);
  let out = '';
  const gc: GcStats = { scavenges: 0, markCompacts: 0, pauseMs: 0, maxPauseMs: 0 };
  let partial = '';
  const keep = (d: Buffer) => {
    const text = d.toString();
    out = (out + text).slice(-8192);
    // GC lines may be split across chunks: only whole lines are counted.
    const lines = partial + text;
    const cut = lines.lastIndexOf('\n') + 1;
    partial = lines.slice(cut);
    for (const m of lines.slice(0, cut).matchAll(GC_LINE)) {
      const pause = Number(m[2]);
      if (m[1] === 'Scavenge') gc.scavenges++;
      else gc.markCompacts++;
      gc.pauseMs += pause;
      gc.maxPauseMs = Math.max(gc.maxPauseMs, pause);
    }
    if (partial.length > 8192) partial = '';
  };
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SAMSA_LOG_LEVEL: 'info', ...opts.env } });
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  await untilAnswered(port, proc, opts.timeoutMs ?? 30000, () => out);
  const readyMs = performance.now() - t0;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    pid: proc.pid!,
    port,
    dir: opts.dir,
    readyMs,
    output: () => out,
    gc: () => ({ ...gc }),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** Resident set size in bytes (VmRSS), from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (assumes 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after "pid (comm) ": state is field 3, utime 14, stime 15
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy and total CPU time of the whole machine so far, in seconds of one CPU (from /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
  const idle = v[3]! + v[4]!;
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}
