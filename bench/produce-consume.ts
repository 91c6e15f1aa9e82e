// Produce/consume benchmark, run by hand: `npm run bench` (builds, then runs
// dist/bench/produce-consume.js). Not part of the test suite.
//
// In one run it measures, each as the median of several runs:
//  (a) this machine's ceilings: loopback socket → file (async writev of queued
//      chunks) and file in page cache → loopback socket, in a separate process
//      (bench/lib/ceiling-server.ts), measured just before and just after each
//      ingest and fetch run, whose ratio is to the better of the two;
//  (b) Samsa's ingest: a load generator in a worker thread sends pre-encoded
//      Produce v9 requests (one 16 KiB batch per partition) over several
//      pipelined connections, for 100-byte and 1 KiB records, acks=1 and all;
//  (c) fetch: pre-encoded Fetch requests reading back what was produced;
//  (d) produce latency (p50/p99) at half the peak rate, open loop, acks=1,
//      next to a floor: the same requests appended to a file and acked by the
//      ceiling server;
//  (e) end to end with kcat as producer and as consumer;
//  (f) start-up time to the first answered request, idle RSS, and a clean
//      restart with about 1 GiB of data in 64 MiB segments.
// and prints a summary of the targets of issue 3 with PASS/MISS.
// When an ingest target is missed it profiles the broker (node --cpu-prof)
// during an ingest run and prints the functions with the most self time.
//
// Options: --runs N (default 5), --json FILE (write every figure),
//          --profile / --no-profile (force or skip the profile),
//          --quick (only what the fetch and latency targets need: the 1 KiB acks=1
//          ingest, the fetch and the latency runs, no start-up, kcat or restart),
//          --gc (broker under --trace-gc; GC counts and pauses per measurement).
// MB is 10^6 bytes; ingest MB/s counts record-batch bytes as stored in the log.
// Every run also reports how much CPU other processes took meanwhile, and a
// CPU-normalised ratio (MB per CPU-second, broker over ceiling server), which
// a noisy neighbour moves far less than the plain ratio. docs/benchmarks.md
// has the figures and what they mean.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RawClient } from '../test/integration/raw-client.js';
import { cpuSeconds, gcDelta, machineCpu, rssBytes, startBroker, type BrokerHandle, type GcStats } from './lib/broker.js';
import { median, encodeFetch, decodeResponse, FrameScanner, FETCH, FETCH_VERSION } from './lib/wire.js';
import type { LatencyResult, ProduceResult } from './lib/load-generator.js';
import { LoadGenerator } from './lib/generator-client.js';
import { startCeilingServer, type CeilingServer } from './lib/ceiling-process.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    json: { type: 'string' },
    profile: { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    quick: { type: 'boolean' },
    gc: { type: 'boolean' },
  },
});
const QUICK = opts.quick === true;
const TRACE_GC = opts.gc === true;
const RUNS = Math.max(1, Number(opts.runs));

const PARTITIONS = 4;
const CONNS = 4;
const DEPTH = 8;
const WARMUP_MS = 300;
const INGEST_MS = 1500;
const CEILING_BYTES_PER_CONN = 128 << 20;
const BATCHES_PER_FETCH = 64;
const FETCH_DEPTH = 4;
const LATENCY_WARMUP_MS = 500;
const LATENCY_MS = 3000;
const RESTART_BYTES = 1 << 30;
const RESTART_SEGMENT_BYTES = 64 << 20;
const STARTS = 5;
const KCAT_RECORDS: Record<number, number> = { 100: 1_000_000, 1024: 200_000 };

const MB = 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (r: number, d = 0) => `${fmt(r * 100, d)}%`;
const log = (s: string) => process.stdout.write(`${s}\n`);

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-'));
const results: Record<string, unknown> = {};
const live = new Set<BrokerHandle>();
let liveCeiling: CeilingServer | null = null;

// ---------------------------------------------------------------- load generator

const loadGenerator = new LoadGenerator();
const gen: LoadGenerator['run'] = loadGenerator.run.bind(loadGenerator);

// ---------------------------------------------------------------- admin

async function withClient<T>(port: number, fn: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

async function createTopic(port: number, name: string, partitions = PARTITIONS): Promise<void> {
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

async function deleteTopic(port: number, name: string): Promise<void> {
  const r = await withClient(port, (c) => c.request(20, 4, { topicNames: [name], timeoutMs: 30000 }));
  const t = r.responses[0];
  if (t.errorCode !== 0) throw new Error(`DeleteTopics ${name}: error ${t.errorCode} ${t.errorMessage}`);
}

async function brokerOn(name: string, overrides: Record<string, string> = {}, nodeArgs: string[] = []): Promise<BrokerHandle> {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  const b = await startBroker({ dir, overrides, nodeArgs: TRACE_GC ? ['--trace-gc', ...nodeArgs] : nodeArgs });
  live.add(b);
  return b;
}

async function stopBroker(b: BrokerHandle, removeDir = true): Promise<void> {
  await b.stop();
  live.delete(b);
  if (removeDir) fs.rmSync(b.dir, { recursive: true, force: true });
}

interface Load {
  /** CPU the broker used during the measurement, in cores. */
  brokerCpu: number;
  /** CPU the ceiling server used, in cores. */
  helperCpu: number;
  /** CPU every other process used (the machine minus the broker, this benchmark and its ceiling server), in cores. */
  others: number;
  /** Wall-clock seconds of the measurement. */
  wallSeconds: number;
  /** The broker's garbage collections during the measurement (with --gc). */
  gc?: GcStats;
}

/**
 * Runs fn while sampling CPU time: the broker's (if any), this process's
 * (orchestrator and load generator), a helper process's, and the whole
 * machine's, to tell how much of the 2 cores other processes took.
 */
async function withLoad<T>(pids: { broker?: number; helper?: number }, fn: () => Promise<T>): Promise<{ r: T } & Load> {
  const handle = [...live].find((b) => b.pid === pids.broker);
  const gc0 = handle?.gc();
  const b0 = pids.broker ? cpuSeconds(pids.broker) : 0;
  const h0 = pids.helper ? cpuSeconds(pids.helper) : 0;
  const s0 = process.cpuUsage();
  const m0 = machineCpu();
  const t0 = performance.now();
  const r = await fn();
  const wall = (performance.now() - t0) / 1000;
  const m1 = machineCpu();
  const s1 = process.cpuUsage(s0);
  const broker = pids.broker ? cpuSeconds(pids.broker) - b0 : 0;
  const helper = pids.helper ? cpuSeconds(pids.helper) - h0 : 0;
  const self = (s1.user + s1.system) / 1e6;
  const others = Math.max(0, m1.busy - m0.busy - broker - helper - self) / wall;
  // The last GC lines may still be in the pipe.
  if (handle && TRACE_GC) await sleep(50);
  const gc = handle && gc0 && TRACE_GC ? gcDelta(gc0, handle.gc()) : undefined;
  return { r, brokerCpu: broker / wall, helperCpu: helper / wall, others, wallSeconds: wall, ...(gc ? { gc } : {}) };
}

const gcNote = (l: Load) =>
  l.gc
    ? `; broker GC: ${l.gc.scavenges} scavenges, ${l.gc.markCompacts} mark-compacts, ${fmt(l.gc.pauseMs, 0)} ms paused (${fmt(l.gc.pauseMs / 10 / l.wallSeconds, 1)}% of the run)`
    : '';

const loadNote = (l: Load, loadgenCpu?: number) =>
  `broker CPU ${fmt(l.brokerCpu * 100)}%` +
  (loadgenCpu === undefined ? '' : `, load generator ${fmt(loadgenCpu * 100)}%`) +
  `, other processes ${fmt(l.others, 2)} cores` +
  gcNote(l);

// ---------------------------------------------------------------- (a) ceilings

async function startCeiling(): Promise<CeilingServer> {
  const c = await startCeilingServer(path.join(tmpRoot, 'ceiling'));
  liveCeiling = c;
  return {
    ...c,
    async stop() {
      await c.stop();
      liveCeiling = null;
    },
  };
}

async function sinkCeiling(c: CeilingServer): Promise<{ rate: number } & Load> {
  const { r, ...load } = await withLoad({ helper: c.pid }, () =>
    gen('ceilingSink', { port: c.sinkPort, conns: CONNS, bytesPerConn: CEILING_BYTES_PER_CONN }),
  );
  const rate = r.bytes / r.seconds;
  log(
    `  ${'ceiling socket → file'.padEnd(24)}${fmt(rate / MB).padStart(6)} MB/s  (${fmt(r.bytes / MB)} MB in ${fmt(r.seconds, 2)} s; ` +
      `receiver CPU ${fmt(load.helperCpu * 100)}%, sender ${fmt(r.loadgenCpu * 100)}%, other processes ${fmt(load.others, 2)} cores)`,
  );
  return { rate, ...load };
}

async function sourceCeiling(c: CeilingServer): Promise<{ rate: number } & Load> {
  const { r, ...load } = await withLoad({ helper: c.pid }, () => gen('ceilingSource', { port: c.sourcePort, conns: CONNS }));
  const rate = r.bytes / r.seconds;
  log(
    `  ${'ceiling file → socket'.padEnd(24)}${fmt(rate / MB).padStart(6)} MB/s  (${fmt(r.bytes / MB)} MB in ${fmt(r.seconds, 2)} s; ` +
      `sender CPU ${fmt(load.helperCpu * 100)}%, receiver ${fmt(r.loadgenCpu * 100)}%, other processes ${fmt(load.others, 2)} cores)`,
  );
  return { rate, ...load };
}

/**
 * Writes and deletes 4 GiB before measuring. On these VMs, page-cache writes
 * into guest memory that has never been touched run about 10× slower (the
 * host faults each page in on first touch: 4 GiB written at 338 MB/s the
 * first time, 1.7-3 GB/s the next times), which made the socket → file
 * ceiling swing between 300 and 1,300 MB/s. Deleted files' pages are reused,
 * and no phase of the benchmark keeps more than about 2 GB in files.
 */
function warmPageCache(): void {
  const t0 = performance.now();
  const file = path.join(tmpRoot, 'warm-up');
  const chunk = Buffer.alloc(16 << 20, 1);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < 256; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  fs.rmSync(file);
  log(`\nwarm-up: wrote and deleted 4 GiB in ${fmt((performance.now() - t0) / 1000, 1)} s`);
}

// ---------------------------------------------------------------- (f) start-up and idle RSS

async function startups(): Promise<{ startMs: number; rss: number }> {
  log(`\n(f) Start-up on an empty data dir (spawn → first answered ApiVersions), idle RSS 1 s later; ${STARTS} starts`);
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const b = await brokerOn(`startup-${i}`);
    times.push(b.readyMs);
    await sleep(1000);
    rss.push(rssBytes(b.pid));
    log(`  start ${i + 1}: ${fmt(b.readyMs)} ms, idle RSS ${fmt(rss[i]! / 2 ** 20, 1)} MiB`);
    await stopBroker(b);
  }
  const out = { startMs: median(times), rss: median(rss) };
  log(`  median: ${fmt(out.startMs)} ms, idle RSS ${fmt(out.rss / 2 ** 20, 1)} MiB`);
  results.startup = { runsMs: times, rssBytes: rss, ...out };
  return out;
}

// ---------------------------------------------------------------- (b) ingest and (c) fetch, in rounds with the ceilings

interface IngestKey {
  recordSize: number;
  acks: number;
}
// Each run's topic is deleted before the next (so that its dirty pages are not written back during the
// next run), except the last one's, which the fetch reads back.
const FETCH_SOURCE: IngestKey = { recordSize: 1024, acks: 1 };
const INGEST_CONFIGS: IngestKey[] = QUICK
  ? [FETCH_SOURCE]
  : [{ recordSize: 100, acks: -1 }, { recordSize: 100, acks: 1 }, { recordSize: 1024, acks: -1 }, FETCH_SOURCE];
const keyOf = (k: IngestKey) => `${k.recordSize === 1024 ? '1 KiB' : `${k.recordSize} B`} acks=${k.acks === -1 ? 'all' : k.acks}`;

interface IngestRun extends ProduceResult, Load {}
interface FetchRun extends Load {
  rate: number;
  recordsPerSec: number;
}
interface Round {
  /** The socket → file ceiling around each ingest configuration (the better of the runs before and after), and its MB/s per core of CPU. */
  sinks: Map<string, number>;
  sinkEfficiency: Map<string, number>;
  source: number;
  sourceEfficiency: number;
  ingest: Map<string, IngestRun>;
  fetch: FetchRun;
}

async function ingestOnce(b: BrokerHandle, k: IngestKey, topic: string): Promise<IngestRun> {
  await createTopic(b.port, topic);
  const { r, ...load } = await withLoad({ broker: b.pid }, () =>
    gen('produce', {
      port: b.port,
      topic,
      partitions: PARTITIONS,
      recordSize: k.recordSize,
      acks: k.acks,
      conns: CONNS,
      depth: DEPTH,
      warmupMs: WARMUP_MS,
      durationMs: INGEST_MS,
    }),
  );
  if (r.errors) throw new Error(`produce errors in ${topic}: ${r.firstError}`);
  log(
    `  ${('produce ' + keyOf(k)).padEnd(24)}${fmt(r.bytesPerSec / MB).padStart(6)} MB/s ${fmt(r.recordsPerSec).padStart(10)} rec/s ` +
      `${fmt(r.requestsPerSec).padStart(6)} req/s  (${loadNote(load, r.loadgenCpu)})`,
  );
  return { ...r, ...load };
}

async function fetchOnce(b: BrokerHandle, topic: string, run: IngestRun): Promise<FetchRun> {
  const { r, ...load } = await withLoad({ broker: b.pid }, () =>
    gen('fetch', {
      port: b.port,
      topic,
      partitions: PARTITIONS,
      batchesPerPartition: run.totalRequests,
      recordsPerBatch: run.recordsPerBatch,
      batchSize: run.batchSize,
      batchesPerFetch: BATCHES_PER_FETCH,
      depth: FETCH_DEPTH,
    }),
  );
  const rate = r.bytes / r.seconds;
  const recordsPerSec = (rate / run.batchSize) * run.recordsPerBatch;
  log(
    `  ${'fetch 1 KiB'.padEnd(24)}${fmt(rate / MB).padStart(6)} MB/s ${fmt(recordsPerSec).padStart(10)} rec/s ` +
      `${fmt(r.fetches / r.seconds).padStart(6)} req/s  (${fmt(r.bytes / MB)} MB; ${loadNote(load, r.loadgenCpu)})`,
  );
  return { rate, recordsPerSec, ...load };
}

async function rounds(b: BrokerHandle, c: CeilingServer): Promise<Round[]> {
  log(
    `\n(a) ceilings, (b) ingest and (c) fetch, in ${RUNS} rounds; a socket → file ceiling run before and after each ingest run, ` +
      `a file → socket one before and after the fetch; each ratio is to the better of its two neighbouring ceiling runs\n` +
      `  ceilings: ${CONNS} connections × ${CEILING_BYTES_PER_CONN >> 20} MiB into one file each (async writev of queued chunks), ` +
      `then files read back (1 MiB reads, page cache) and sent\n` +
      `  ingest: pre-encoded Produce v9, ${PARTITIONS} partitions × one 16 KiB batch per request, ` +
      `${CONNS} connections × ${DEPTH} in flight, ${WARMUP_MS} ms warm-up + ${INGEST_MS} ms measured\n` +
      `  fetch: pre-encoded Fetch v12 of ${BATCHES_PER_FETCH} batches (~1 MiB), one connection per partition × ${FETCH_DEPTH} in flight, ` +
      `reading back the round's 1 KiB acks=1 topic`,
  );
  const out: Round[] = [];
  // Dirty pages of files kept around would be written back during the next measurements.
  const clearCeilingFiles = () => {
    for (const f of fs.readdirSync(c.dir)) fs.rmSync(path.join(c.dir, f), { force: true });
  };
  for (let round = 0; round < RUNS; round++) {
    log(`  round ${round + 1}`);
    const ingest = new Map<string, IngestRun>();
    const sinks = new Map<string, number>();
    const sinkEfficiency = new Map<string, number>();
    // Ceiling runs before and after each ingest run; its ratio uses the better of the two (a ceiling is
    // the best this machine does, and a neighbour's burst of CPU use only ever pulls a run down).
    let before = await sinkCeiling(c);
    clearCeilingFiles();
    for (const k of INGEST_CONFIGS) {
      const topic = `ingest-${k.recordSize}-${k.acks === -1 ? 'all' : k.acks}-${round}`;
      const run = await ingestOnce(b, k, topic);
      ingest.set(keyOf(k), run);
      if (k !== FETCH_SOURCE) await deleteTopic(b.port, topic);
      const after = await sinkCeiling(c);
      // The last sink run's files stay for the file → socket ceiling.
      if (k !== FETCH_SOURCE) clearCeilingFiles();
      sinks.set(keyOf(k), Math.max(before.rate, after.rate));
      sinkEfficiency.set(keyOf(k), Math.max(before.rate / before.helperCpu, after.rate / after.helperCpu));
      before = after;
    }
    const sourceBefore = await sourceCeiling(c);
    const fetchTopic = `ingest-1024-1-${round}`;
    const fetch = await fetchOnce(b, fetchTopic, ingest.get(keyOf(FETCH_SOURCE))!);
    await deleteTopic(b.port, fetchTopic);
    const sourceAfter = await sourceCeiling(c);
    clearCeilingFiles();
    const source = {
      rate: Math.max(sourceBefore.rate, sourceAfter.rate),
      efficiency: Math.max(sourceBefore.rate / sourceBefore.helperCpu, sourceAfter.rate / sourceAfter.helperCpu),
    };
    out.push({ sinks, sinkEfficiency, source: source.rate, sourceEfficiency: source.efficiency, ingest, fetch });
  }
  results.rounds = out.map((r) => ({
    ...r,
    sinks: Object.fromEntries(r.sinks),
    sinkEfficiency: Object.fromEntries(r.sinkEfficiency),
    ingest: Object.fromEntries(r.ingest),
  }));
  return out;
}

// ---------------------------------------------------------------- (d) latency

async function latencyBench(b: BrokerHandle, c: CeilingServer, peakRequestsPerSec: number): Promise<LatencyFigures> {
  const rate = Math.max(1, Math.round(peakRequestsPerSec / 2));
  log(
    `\n(d) Produce latency, acks=1, 1 KiB records, open loop at half the peak: ${fmt(rate)} req/s ` +
      `(${fmt((rate * PARTITIONS * 16384) / MB)} MB/s) over ${CONNS} connections, ${LATENCY_MS} ms after ${LATENCY_WARMUP_MS} ms warm-up; ${RUNS} runs.\n` +
      `  Floor: the same requests at the same rate to the ceiling server, which appends each to a file (async writev) and then answers 8 bytes`,
  );
  const runs: (LatencyResult & Load)[] = [];
  const floors: (LatencyResult & Load)[] = [];
  const args = { partitions: PARTITIONS, recordSize: 1024, conns: CONNS, rate, warmupMs: LATENCY_WARMUP_MS, durationMs: LATENCY_MS };
  const line = (what: string, r: LatencyResult, load: Load, cpu: number) =>
    log(
      `  ${what}: p50 ${fmt(r.p50, 3)} ms, p99 ${fmt(r.p99, 3)} ms, p99.9 ${fmt(r.p999, 3)} ms, max ${fmt(r.max, 2)} ms ` +
        `(server CPU ${fmt(cpu * 100)}%, load generator ${fmt(r.loadgenCpu * 100)}%, other processes ${fmt(load.others, 2)} cores; ` +
        `the sender fell up to ${fmt(r.maxLagMs, 1)} ms behind schedule${gcNote(load)})`,
    );
  for (let i = 0; i < RUNS; i++) {
    const floor = await withLoad({ helper: c.pid }, () => gen('latency', { ...args, port: c.ackPort, topic: 'floor', check: false }));
    for (const f of fs.readdirSync(c.dir)) fs.rmSync(path.join(c.dir, f), { force: true });
    floors.push({ ...floor.r, ...floor });
    line(`run ${i + 1} floor `, floor.r, floor, floor.helperCpu);
    const topic = `latency-${i}`;
    await createTopic(b.port, topic);
    const { r, ...load } = await withLoad({ broker: b.pid }, () => gen('latency', { ...args, port: b.port, topic, check: true }));
    if (r.errors) throw new Error(`produce errors during the latency run`);
    runs.push({ ...r, ...load });
    line(`run ${i + 1} Samsa `, r, load, load.brokerCpu);
    await deleteTopic(b.port, topic);
  }
  const out: LatencyFigures = {
    rate,
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    p999: median(runs.map((r) => r.p999)),
    floorP50: median(floors.map((r) => r.p50)),
    floorP99: median(floors.map((r) => r.p99)),
    others: median(runs.map((r) => r.others)),
  };
  results.latency = { ...out, runs, floors };
  return out;
}

interface LatencyFigures {
  rate: number;
  p50: number;
  p99: number;
  p999: number;
  floorP50: number;
  floorP99: number;
  others: number;
}

// ---------------------------------------------------------------- (e) kcat

function recordsFile(recordSize: number, count: number): string {
  const file = path.join(tmpRoot, `kcat-${recordSize}.txt`);
  const line = recordSize + 1;
  const block = Buffer.allocUnsafe(line * 1024);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < count; written += 1024) {
    for (let i = 0; i < block.length; i++) block[i] = alphabet.charCodeAt((Math.random() * 62) | 0);
    for (let r = 1; r <= 1024; r++) block[r * line - 1] = 10;
    const n = Math.min(1024, count - written);
    fs.writeSync(fd, block, 0, n * line);
  }
  fs.closeSync(fd);
  return file;
}

function runTimed(cmd: string, args: string[], countStdout: boolean): Promise<{ seconds: number; stdoutBytes: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', countStdout ? 'pipe' : 'ignore', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    if (countStdout) p.stdout!.on('data', (d: Buffer) => (bytes += d.length));
    p.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${stderr}`));
      else resolve({ seconds, stdoutBytes: bytes, stderr });
    });
  });
}

interface KcatFigures {
  produceRecPerSec: number;
  produceMBps: number;
  consumeRecPerSec: number;
  consumeMBps: number;
}

async function kcatBench(b: BrokerHandle): Promise<Record<number, KcatFigures>> {
  log(
    `\n(e) End to end with kcat (librdkafka, its default acks=all): producer -l file -X linger.ms=5 -X batch.num.messages=10000, ` +
      `consumer -C -e -o beginning -q into a pipe; ${PARTITIONS} partitions; ${RUNS} runs`,
  );
  const out: Record<number, KcatFigures> = {};
  for (const recordSize of [100, 1024]) {
    const count = KCAT_RECORDS[recordSize]!;
    const file = recordsFile(recordSize, count);
    const valueMB = (count * recordSize) / MB;
    const prod: number[] = [];
    const cons: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const topic = `kcat-${recordSize}-${i}`;
      await createTopic(b.port, topic);
      const bs = `127.0.0.1:${b.port}`;
      const p = await runTimed(
        'kcat',
        ['-P', '-b', bs, '-t', topic, '-l', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', file],
        false,
      );
      const c = await runTimed('kcat', ['-C', '-b', bs, '-t', topic, '-e', '-o', 'beginning', '-q'], true);
      const expected = count * (recordSize + 1);
      if (c.stdoutBytes !== expected) {
        throw new Error(`kcat consumer read ${c.stdoutBytes} bytes, expected ${expected} (${count} records)`);
      }
      prod.push(p.seconds);
      cons.push(c.seconds);
      log(
        `  ${recordSize === 1024 ? '1 KiB' : `${recordSize} B`} run ${i + 1}: produce ${fmt(count)} records in ${fmt(p.seconds, 2)} s ` +
          `= ${fmt(count / p.seconds)} rec/s, ${fmt(valueMB / p.seconds)} MB/s; ` +
          `consume in ${fmt(c.seconds, 2)} s = ${fmt(count / c.seconds)} rec/s, ${fmt(valueMB / c.seconds)} MB/s`,
      );
      await deleteTopic(b.port, topic);
    }
    fs.rmSync(file, { force: true });
    const ps = median(prod);
    const cs = median(cons);
    out[recordSize] = {
      produceRecPerSec: count / ps,
      produceMBps: valueMB / ps,
      consumeRecPerSec: count / cs,
      consumeMBps: valueMB / cs,
    };
  }
  results.kcat = out;
  return out;
}

// ---------------------------------------------------------------- (f) restart with 1 GiB

/** Time to answer a Fetch from the middle of partition 0 (opens that segment's index lazily). */
async function timeFetch(port: number, topic: string, offset: number): Promise<number> {
  const req = encodeFetch(topic, 0, offset, 1 << 20, 7);
  const s = await new Promise<net.Socket>((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' }, () => resolve(c));
    c.once('error', reject);
  });
  const t0 = performance.now();
  const body = await new Promise<Buffer>((resolve) => {
    const scanner = new FrameScanner(
      (_n, b) => resolve(b!),
      () => true,
    );
    s.on('data', (d: Buffer) => scanner.push(d));
    s.write(req);
  });
  const ms = performance.now() - t0;
  s.destroy();
  const r = decodeResponse(FETCH, FETCH_VERSION, body);
  const p = r.responses[0].partitions[0];
  if (p.errorCode !== 0 || !p.records?.length) throw new Error(`fetch after restart failed: error ${p.errorCode}`);
  return ms;
}

async function restartBench(): Promise<{ restartMs: number; bytes: number; segments: number }> {
  const requests = Math.ceil(RESTART_BYTES / (PARTITIONS * 16384));
  log(
    `\n(f) Clean restart with ~1 GiB in ${RESTART_SEGMENT_BYTES >> 20} MiB segments ` +
      `(log.segment.bytes=${RESTART_SEGMENT_BYTES}), produced by the load generator; ${RUNS} restarts`,
  );
  const seg = { 'log.segment.bytes': String(RESTART_SEGMENT_BYTES) };
  const b = await brokerOn('restart', seg);
  const topic = 'restart';
  await createTopic(b.port, topic);
  const fill = await gen('produce', {
    port: b.port,
    topic,
    partitions: PARTITIONS,
    recordSize: 1024,
    acks: 1,
    conns: CONNS,
    depth: DEPTH,
    warmupMs: 0,
    durationMs: 0,
    requests,
  });
  if (fill.errors) throw new Error(`produce errors while filling: ${fill.firstError}`);
  await stopBroker(b, false);
  let bytes = 0;
  let segments = 0;
  for (const d of fs.readdirSync(b.dir)) {
    const full = path.join(b.dir, d);
    if (!fs.statSync(full).isDirectory()) continue;
    for (const f of fs.readdirSync(full)) {
      if (!f.endsWith('.log')) continue;
      segments++;
      bytes += fs.statSync(path.join(full, f)).size;
    }
  }
  log(`  wrote ${fmt(bytes / 2 ** 20)} MiB in ${segments} segments (${fmt(fill.bytesPerSec / MB)} MB/s), clean shutdown`);
  const times: number[] = [];
  const fetches: number[] = [];
  const rss: number[] = [];
  const middle = Math.floor(fill.totalRequests / 2) * fill.recordsPerBatch;
  for (let i = 0; i < RUNS; i++) {
    const r = await startBroker({ dir: b.dir, overrides: seg, port: b.port });
    live.add(r);
    times.push(r.readyMs);
    const f = await timeFetch(r.port, topic, middle);
    fetches.push(f);
    await sleep(500);
    rss.push(rssBytes(r.pid));
    log(`  restart ${i + 1}: answering in ${fmt(r.readyMs)} ms; first fetch from the middle of a partition ${fmt(f, 1)} ms; RSS ${fmt(rss[i]! / 2 ** 20, 1)} MiB`);
    await stopBroker(r, i === RUNS - 1);
  }
  const out = { restartMs: median(times), bytes, segments };
  log(`  median: ${fmt(out.restartMs)} ms`);
  results.restart = { runsMs: times, firstFetchMs: fetches, rssBytes: rss, ...out };
  return out;
}

// ---------------------------------------------------------------- profile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

function topSelfTime(file: string, n: number): { name: string; share: number }[] {
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
    const where = cf.url ? ` ${cf.url.replace(/^file:\/\/.*?\/dist\//, '').replace(/^node:/, 'node:')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, t]) => ({ name, share: t / busy }));
}

async function profileIngest(recordSize: number): Promise<{ name: string; share: number }[]> {
  const profDir = path.join(tmpRoot, `prof-${recordSize}`);
  fs.mkdirSync(profDir);
  const b = await brokerOn(`profile-${recordSize}`, {}, ['--cpu-prof', '--cpu-prof-dir', profDir]);
  const topic = 'profile';
  await createTopic(b.port, topic);
  const { r, brokerCpu } = await withLoad({ broker: b.pid }, () =>
    gen('produce', {
      port: b.port,
      topic,
      partitions: PARTITIONS,
      recordSize,
      acks: 1,
      conns: CONNS,
      depth: DEPTH,
      warmupMs: WARMUP_MS,
      durationMs: 3000,
    }),
  );
  await stopBroker(b);
  const files = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error('the broker wrote no .cpuprofile');
  const top = topSelfTime(path.join(profDir, files[0]!), 15);
  log(
    `\n  profile, ${recordSize === 1024 ? '1 KiB' : `${recordSize} B`} records, acks=1 (${fmt(r.recordsPerSec)} rec/s, ` +
      `${fmt(r.bytesPerSec / MB)} MB/s under the profiler; broker CPU ${fmt(brokerCpu * 100)}%): self time, share of busy samples`,
  );
  for (const t of top) log(`    ${pct(t.share).padStart(4)}  ${t.name}`);
  fs.rmSync(profDir, { recursive: true, force: true });
  return top;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = performance.now();
  const memGiB = os.totalmem() / 2 ** 30;
  const machine = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memoryGiB: Number(memGiB.toFixed(1)),
    node: process.version,
    kernel: os.release(),
  };
  results.machine = machine;
  log(
    `Samsa produce/consume benchmark — ${machine.date}\n` +
      `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${fmt(memGiB, 1)} GiB, Linux ${machine.kernel}, Node ${machine.node}; ` +
      `medians of ${RUNS} runs; MB = 10^6 bytes`,
  );

  warmPageCache();
  const start = QUICK ? null : await startups();

  const ceilingServer = await startCeiling();
  const main = await brokerOn('main');
  const rs = await rounds(main, ceilingServer);
  const sink = median(rs.flatMap((r) => [...r.sinks.values()]));
  const source = median(rs.map((r) => r.source));
  const ingestTable = INGEST_CONFIGS.map((k) => {
    const runs = rs.map((r) => r.ingest.get(keyOf(k))!);
    return {
      key: keyOf(k),
      mbps: median(runs.map((r) => r.bytesPerSec)),
      recs: median(runs.map((r) => r.recordsPerSec)),
      reqs: median(runs.map((r) => r.requestsPerSec)),
      cpu: median(runs.map((r) => r.brokerCpu)),
      others: median(runs.map((r) => r.others)),
      ratio: median(rs.map((r) => r.ingest.get(keyOf(k))!.bytesPerSec / r.sinks.get(keyOf(k))!)),
      cpuRatio: median(
        rs.map((r) => {
          const run = r.ingest.get(keyOf(k))!;
          return run.bytesPerSec / run.brokerCpu / r.sinkEfficiency.get(keyOf(k))!;
        }),
      ),
    };
  });
  const fetchRate = median(rs.map((r) => r.fetch.rate));
  const fetchRecs = median(rs.map((r) => r.fetch.recordsPerSec));
  const fetchRatio = median(rs.map((r) => r.fetch.rate / r.source));
  const fetchCpuRatio = median(rs.map((r) => r.fetch.rate / r.fetch.brokerCpu / r.sourceEfficiency));
  log(`  medians (the ceilings: of the better-of-two values the ratios use; each ratio: the median of the per-run ratios)`);
  log(`  ${'ceiling socket → file'.padEnd(24)}${fmt(sink / MB).padStart(6)} MB/s`);
  log(`  ${'ceiling file → socket'.padEnd(24)}${fmt(source / MB).padStart(6)} MB/s`);
  for (const t of ingestTable) {
    log(
      `  ${('produce ' + t.key).padEnd(24)}${fmt(t.mbps / MB).padStart(6)} MB/s ${fmt(t.recs).padStart(10)} rec/s ` +
        `${fmt(t.reqs).padStart(6)} req/s  ${pct(t.ratio)} of socket → file (broker CPU ${fmt(t.cpu * 100)}%)`,
    );
  }
  log(`  ${'fetch 1 KiB'.padEnd(24)}${fmt(fetchRate / MB).padStart(6)} MB/s ${fmt(fetchRecs).padStart(10)} rec/s ${''.padStart(12)}${pct(fetchRatio)} of file → socket`);
  log(
    `  CPU-normalised ratios (MB per CPU-second of the broker / of the ceiling server; insensitive to what other processes take): ` +
      ingestTable.map((t) => `${t.key} ${pct(t.cpuRatio)}`).join(', ') +
      `; fetch ${pct(fetchCpuRatio)}`,
  );
  results.summary = {
    sink,
    source,
    ingest: ingestTable,
    fetch: { rate: fetchRate, recordsPerSec: fetchRecs, ratio: fetchRatio, cpuRatio: fetchCpuRatio },
  };

  const peak = ingestTable.find((t) => t.key === '1 KiB acks=1')!;
  const lat = await latencyBench(main, ceilingServer, peak.reqs);
  await ceilingServer.stop();
  log(`  median: Samsa p50 ${fmt(lat.p50, 3)} ms, p99 ${fmt(lat.p99, 3)} ms; floor p50 ${fmt(lat.floorP50, 3)} ms, p99 ${fmt(lat.floorP99, 3)} ms`);

  if (QUICK) {
    await stopBroker(main);
    log(
      `\nquick run: fetch ${pct(fetchRatio, 1)} of file → socket (per CPU ${pct(fetchCpuRatio)}); ` +
        `p99 ${fmt(lat.p99, 2)} ms (p50 ${fmt(lat.p50, 2)}; floor p99 ${fmt(lat.floorP99, 2)}); ` +
        `benchmark took ${fmt((performance.now() - started) / 1000, 0)} s`,
    );
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(results, null, 2));
    return;
  }
  const kc = await kcatBench(main);
  await stopBroker(main);

  const restart = await restartBench();

  if (!start) throw new Error('unreachable: start-up figures exist outside --quick');
  const kib = ingestTable.find((t) => t.key === '1 KiB acks=1')!;
  const small = ingestTable.find((t) => t.key === '100 B acks=1')!;
  const targets = [
    {
      target: 'ingest, 1 KiB records, acks=1 ≥ 60% of socket → file ceiling',
      measured: `${fmt(kib.mbps / MB)} / ${fmt(sink / MB)} MB/s, ratio ${pct(kib.ratio, 1)} (per CPU ${pct(kib.cpuRatio)})`,
      ok: kib.ratio >= 0.6,
      miss: `${fmt((0.6 - kib.ratio) * 100, 1)} points short`,
    },
    {
      target: 'fetch ≥ 60% of file → socket ceiling',
      measured: `${fmt(fetchRate / MB)} / ${fmt(source / MB)} MB/s, ratio ${pct(fetchRatio, 1)} (per CPU ${pct(fetchCpuRatio)})`,
      ok: fetchRatio >= 0.6,
      miss: `${fmt((0.6 - fetchRatio) * 100, 1)} points short`,
    },
    {
      target: 'ingest, 100 B records, acks=1 ≥ 1,000,000 rec/s',
      measured: `${fmt(small.recs)} rec/s = ${pct(small.recs / 1e6)} of target`,
      ok: small.recs >= 1e6,
      miss: `${pct(1 - small.recs / 1e6)} short`,
    },
    {
      target: 'p99 produce latency at half peak, acks=1 ≤ 2 ms',
      measured: `p99 ${fmt(lat.p99, 2)} ms (p50 ${fmt(lat.p50, 2)}; floor p99 ${fmt(lat.floorP99, 2)})`,
      ok: lat.p99 <= 2,
      miss: `${fmt(lat.p99 - 2, 2)} ms over`,
    },
    {
      target: 'start-up to first answered request ≤ 0.5 s',
      measured: `${fmt(start.startMs)} ms`,
      ok: start.startMs <= 500,
      miss: `${fmt(start.startMs - 500)} ms over`,
    },
    {
      target: 'idle RSS ≤ 80 MB',
      measured: `${fmt(start.rss / MB, 1)} MB (${fmt(start.rss / 2 ** 20, 1)} MiB)`,
      ok: start.rss <= 80 * MB,
      miss: `${fmt((start.rss - 80 * MB) / MB, 1)} MB over`,
    },
    {
      target: 'clean restart with ~1 GiB, many segments ≤ 2 s',
      measured: `${fmt(restart.restartMs)} ms (${fmt(restart.bytes / 2 ** 30, 2)} GiB, ${restart.segments} segments)`,
      ok: restart.restartMs <= 2000,
      miss: `${fmt(restart.restartMs - 2000)} ms over`,
    },
  ];
  results.targets = targets;

  const profile = opts.profile || (!opts['no-profile'] && (!targets[0]!.ok || !targets[2]!.ok));
  if (profile) {
    log('\nProfiling the broker (node --cpu-prof) during an ingest run, because an ingest target was missed' + (opts.profile ? ' or --profile was given' : ''));
    results.profile = { '100': await profileIngest(100), '1024': await profileIngest(1024) };
  }

  log('\nThroughput (medians)');
  log('  ' + 'case'.padEnd(24) + 'MB/s'.padStart(8) + 'records/s'.padStart(13) + '  ratio');
  log(`  ${'ceiling socket → file'.padEnd(24)}${fmt(sink / MB).padStart(8)}`);
  log(`  ${'ceiling file → socket'.padEnd(24)}${fmt(source / MB).padStart(8)}`);
  for (const t of ingestTable) {
    log(`  ${('produce ' + t.key).padEnd(24)}${fmt(t.mbps / MB).padStart(8)}${fmt(t.recs).padStart(13)}  ${pct(t.ratio)} of socket → file`);
  }
  log(`  ${'fetch 1 KiB'.padEnd(24)}${fmt(fetchRate / MB).padStart(8)}${fmt(fetchRecs).padStart(13)}  ${pct(fetchRatio)} of file → socket`);
  for (const size of [100, 1024]) {
    const k = kc[size]!;
    const label = size === 1024 ? '1 KiB' : '100 B';
    log(`  ${('kcat produce ' + label).padEnd(24)}${fmt(k.produceMBps).padStart(8)}${fmt(k.produceRecPerSec).padStart(13)}  (MB/s of record values)`);
    log(`  ${('kcat consume ' + label).padEnd(24)}${fmt(k.consumeMBps).padStart(8)}${fmt(k.consumeRecPerSec).padStart(13)}  (MB/s of record values)`);
  }
  log(
    `  produce latency at ${fmt(lat.rate)} req/s, acks=1: p50 ${fmt(lat.p50, 2)} ms, p99 ${fmt(lat.p99, 2)} ms, p99.9 ${fmt(lat.p999, 2)} ms ` +
      `(floor, socket → file → ack: p50 ${fmt(lat.floorP50, 2)} ms, p99 ${fmt(lat.floorP99, 2)} ms)`,
  );
  log(`  other processes on the machine used ${fmt(median(ingestTable.map((t) => t.others)), 2)} cores (median over the ingest runs)`);

  log('\nTargets (issue 3)');
  const w = Math.max(...targets.map((t) => t.target.length));
  const wm = Math.max(...targets.map((t) => t.measured.length));
  for (const t of targets) {
    log(`  ${t.target.padEnd(w)}  ${t.measured.padEnd(wm)}  ${t.ok ? 'PASS' : `MISS (${t.miss})`}`);
  }
  log(`\nbenchmark took ${fmt((performance.now() - started) / 1000, 0)} s`);
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(results, null, 2));
}

async function cleanup(): Promise<void> {
  for (const b of live) await b.stop().catch(() => {});
  await liveCeiling?.stop().catch(() => {});
  await loadGenerator.terminate();
  fs.rmSync(tmpRoot, { recursive: true, force: true });
}

process.on('SIGINT', () => {
  void cleanup().then(() => process.exit(130));
});

main().then(
  () => cleanup(),
  async (err) => {
    process.stderr.write(`benchmark failed: ${(err as Error)?.stack ?? err}\n`);
    await cleanup();
    process.exit(1);
  },
);
