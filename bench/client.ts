// Client benchmark, run by hand: `npm run bench:client` (builds, then runs
// dist/bench/client.js). Not part of the test suite.
//
// One Samsa broker process (bench/lib/broker.ts, started as users start it);
// against it, in the same run and in turn, each client produces N records as
// fast as it allows and consumes N records from the beginning of a topic:
//  - kcat (librdkafka), the reference every ratio is to: `kcat -P -l file
//    -X linger.ms=5 -X batch.size=65536 -X acks=…` and `kcat -C -c N -o
//    beginning -q -f '%S\n'` (one short line per record into a pipe whose
//    bytes are checked), timed from spawn to exit, CPU from /usr/bin/time;
//  - our Producer and Consumer, KafkaJS and @platformatic/kafka, each in a
//    process of its own (bench/lib/client-runner.ts, which describes each
//    client's settings), timed from the client's construction to the last
//    acknowledgement or record. Our producer's main row ("Samsa client")
//    uses send(record, callback), the form a throughput-minded user picks
//    and the counterpart of librdkafka's produce() with delivery reports
//    that kcat uses; "Samsa, send() promises" is the promise form.
// Cases: 100-byte and 1 KiB records, acks=1 and acks=all for producing;
// consuming does not depend on acks, so every consumer reads the same topic
// per record size: the one kcat produced with acks=1 in that round (so all
// consumers see the same batches). Topics have 4 partitions and are deleted
// after use. Each round runs the clients in a rotated order; every figure is
// the median over the rounds, and each ratio the median of the per-round
// ratios (a ratio is measured within one round, so a noisy neighbour moves
// both sides).
//
// Options: --runs N (default 3), --json FILE, --records-100 N (default
// 1,000,000), --records-1k N (default 200,000), --profile / --no-profile
// (profile our client with node --cpu-prof; by default only when a target is
// missed; it also counts our client's requests in extra runs), --no-diagnostic (skip the extra runs of ours: the
// consumer with fetch.max.wait.ms=10, which shows what the default 500 ms costs, and the producer with no window,
// every send() at once, most of them waiting for buffer.memory in the producer's queue), --only produce|consume
// (run only those cases), --sizes 100,1024 (record sizes to run), --baseline DIR (also run the producer of an
// earlier build, DIR being its dist/ directory, as a row "Samsa, baseline build": before/after in one run).
// MB is 10^6 bytes of record values.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startBroker, type BrokerHandle } from './lib/broker.js';
import { median } from './lib/wire.js';
import { MB, createTopic, deleteTopic, fmt, log, pct, topSelfTime, warmPageCache, withLoad } from './lib/common.js';
import type { RunnerArgs, RunnerResult } from './lib/client-runner.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUNNER = path.join(HERE, 'lib/client-runner.js');
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
    'records-100': { type: 'string', default: '1000000' },
    'records-1k': { type: 'string', default: '200000' },
    profile: { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    'no-diagnostic': { type: 'boolean' },
    only: { type: 'string' },
    sizes: { type: 'string', default: '100,1024' },
    baseline: { type: 'string' },
  },
});
const RUNS = Math.max(1, Number(opts.runs));
const PARTITIONS = 4;
const SIZES = opts.sizes!.split(',').map(Number);
if (SIZES.some((s) => s !== 100 && s !== 1024)) throw new Error('--sizes takes 100 and/or 1024');
if (opts.only !== undefined && opts.only !== 'produce' && opts.only !== 'consume') throw new Error('--only takes produce or consume');
const BASELINE_RUNNER = opts.baseline ? path.resolve(opts.baseline, 'bench/lib/client-runner.js') : null;
if (BASELINE_RUNNER && !fs.existsSync(BASELINE_RUNNER)) throw new Error(`no ${BASELINE_RUNNER}`);
const COUNT: Record<number, number> = { 100: Number(opts['records-100']), 1024: Number(opts['records-1k']) };
const ACKS = [1, -1];
const LINGER_MS = 5;
const BATCH_BYTES = 65536;
const CHILD_TIMEOUT_MS = 300_000;

type Client = 'kcat' | 'samsa' | 'samsa-promise' | 'samsa-baseline' | 'kafkajs' | 'platformatic' | 'samsa-wait10' | 'samsa-nowindow';
const CLIENTS: Client[] = ['kcat', 'samsa', 'kafkajs', 'platformatic'];
const LABEL: Record<Client, string> = {
  kcat: 'kcat (librdkafka)',
  samsa: 'Samsa client',
  'samsa-promise': 'Samsa, send() promises',
  'samsa-baseline': 'Samsa, baseline build',
  kafkajs: 'KafkaJS',
  platformatic: '@platformatic/kafka',
  'samsa-wait10': 'Samsa, fetch.max.wait.ms=10',
  'samsa-nowindow': 'Samsa, send(cb), no window',
};

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-client-'));
let broker: BrokerHandle | null = null;
const results: Record<string, unknown> = {};
const sizeLabel = (s: number) => (s === 1024 ? '1 KiB' : `${s} B`);
const acksLabel = (a: number) => (a === -1 ? 'all' : String(a));

function versionOf(pkg: string): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(HERE, '../../node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

// ---------------------------------------------------------------- one client run

interface Run {
  seconds: number;
  records: number;
  valueBytes: number;
  /** CPU seconds of the client process over the measurement. */
  clientCpu: number;
  brokerCpu: number;
  others: number;
}

function spawnCollect(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stdoutBytes: number; stderr: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (stdout.length < 65536) stdout += d.toString();
    });
    p.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
    const timer = setTimeout(() => p.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stdoutBytes, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** A file of `count` lines of `recordSize` random letters each, for kcat -P -l. */
function recordsFile(recordSize: number, count: number): string {
  const file = path.join(tmpRoot, `records-${recordSize}.txt`);
  const line = recordSize + 1;
  const block = Buffer.allocUnsafe(line * 1024);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < count; written += 1024) {
    for (let i = 0; i < block.length; i++) block[i] = alphabet.charCodeAt((Math.random() * 62) | 0);
    for (let r = 1; r <= 1024; r++) block[r * line - 1] = 10;
    fs.writeSync(fd, block, 0, Math.min(1024, count - written) * line);
  }
  fs.closeSync(fd);
  return file;
}

async function kcat(args: string[], expectStdoutBytes?: number): Promise<{ seconds: number; cpu: number }> {
  const timeFile = path.join(tmpRoot, 'kcat-time.txt');
  const r = await spawnCollect('/usr/bin/time', ['-o', timeFile, '-f', '%U %S', 'kcat', ...args]);
  if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} exited with ${r.code}: ${r.stderr}`);
  if (expectStdoutBytes !== undefined && r.stdoutBytes !== expectStdoutBytes) {
    throw new Error(`kcat ${args.join(' ')} wrote ${r.stdoutBytes} bytes, expected ${expectStdoutBytes}`);
  }
  const [u, s] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: r.seconds, cpu: u! + s! };
}

async function runner(a: RunnerArgs, nodeArgs: string[] = [], script = RUNNER): Promise<RunnerResult> {
  const r = await spawnCollect(process.execPath, [...nodeArgs, script, JSON.stringify(a)]);
  if (r.code !== 0) throw new Error(`${a.client} ${a.op} of ${a.topic} failed (exit ${r.code}): ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as RunnerResult;
  if (res.records !== a.count || res.valueBytes !== a.count * a.recordSize) {
    throw new Error(`${a.client} ${a.op} of ${a.topic}: ${res.records} records, ${res.valueBytes} value bytes; expected ${a.count} × ${a.recordSize}`);
  }
  return res;
}

const files: Record<number, string> = {};
let groupSeq = 0;

async function produceOnce(b: BrokerHandle, client: Client, size: number, acks: number, topic: string): Promise<Run> {
  await createTopic(b.port, topic, PARTITIONS);
  const count = COUNT[size]!;
  const bootstrap = `127.0.0.1:${b.port}`;
  const { r, ...load } = await withLoad(
    b.pid,
    async () => {
      if (client === 'kcat') {
        const k = await kcat(['-P', '-b', bootstrap, '-t', topic, '-X', `linger.ms=${LINGER_MS}`, '-X', `batch.size=${BATCH_BYTES}`, '-X', `acks=${acks}`, '-l', files[size]!]);
        return { seconds: k.seconds, records: count, valueBytes: count * size, cpuSeconds: k.cpu } as RunnerResult;
      }
      const ours = client.startsWith('samsa');
      const base = (ours ? 'samsa' : client) as RunnerArgs['client'];
      const form = client === 'samsa-promise' || client === 'samsa-baseline' ? 'promise' : 'callback';
      const script = client === 'samsa-baseline' ? BASELINE_RUNNER! : RUNNER;
      return runner({ client: base, op: 'produce', port: b.port, topic, partitions: PARTITIONS, count, recordSize: size, acks, groupId: '', noWindow: client === 'samsa-nowindow', form }, [], script);
    },
    (x) => x.cpuSeconds,
  );
  return { seconds: r.seconds, records: r.records, valueBytes: r.valueBytes, clientCpu: r.cpuSeconds, brokerCpu: load.brokerCpu, others: load.others };
}

async function consumeOnce(b: BrokerHandle, client: Client, size: number, topic: string): Promise<Run> {
  const count = COUNT[size]!;
  const { r, ...load } = await withLoad(
    b.pid,
    async () => {
      if (client === 'kcat') {
        const digits = String(size).length + 1;
        const k = await kcat(['-C', '-b', `127.0.0.1:${b.port}`, '-t', topic, '-c', String(count), '-o', 'beginning', '-q', '-f', '%S\\n'], count * digits);
        return { seconds: k.seconds, records: count, valueBytes: count * size, cpuSeconds: k.cpu } as RunnerResult;
      }
      const samsaConfig = client === 'samsa-wait10' ? { fetchMaxWaitMs: 10 } : undefined;
      const base = (client.startsWith('samsa') ? 'samsa' : client) as RunnerArgs['client'];
      return runner({ client: base, op: 'consume', port: b.port, topic, partitions: PARTITIONS, count, recordSize: size, acks: 1, groupId: `bench-${base}-${++groupSeq}`, samsaConfig });
    },
    (x) => x.cpuSeconds,
  );
  return { seconds: r.seconds, records: r.records, valueBytes: r.valueBytes, clientCpu: r.cpuSeconds, brokerCpu: load.brokerCpu, others: load.others };
}

function line(client: Client, run: Run): string {
  return (
    `    ${LABEL[client].padEnd(30)}${fmt(run.records / run.seconds).padStart(11)} rec/s ${fmt(run.valueBytes / MB / run.seconds, 1).padStart(7)} MB/s ` +
    `in ${fmt(run.seconds, 2)} s  (client CPU ${fmt(run.clientCpu, 2)} s, broker ${fmt(run.brokerCpu * 100)}%, other processes ${fmt(run.others, 2)} cores)`
  );
}

// ---------------------------------------------------------------- the rounds

type CaseKey = string;
const produceKey = (size: number, acks: number) => `produce ${sizeLabel(size)} acks=${acksLabel(acks)}`;
const consumeKey = (size: number) => `consume ${sizeLabel(size)}`;
const DO_PRODUCE = opts.only !== 'consume';
const DO_CONSUME = opts.only !== 'produce';
const CASES: CaseKey[] = [...(DO_PRODUCE ? SIZES.flatMap((s) => ACKS.map((a) => produceKey(s, a))) : []), ...(DO_CONSUME ? SIZES.map(consumeKey) : [])];

async function rounds(b: BrokerHandle, consumers: Client[], producers: Client[]): Promise<Map<CaseKey, Map<Client, Run[]>>> {
  const all = new Map<CaseKey, Map<Client, Run[]>>(CASES.map((k) => [k, new Map()]));
  const add = (k: CaseKey, c: Client, r: Run) => {
    const m = all.get(k)!;
    if (!m.has(c)) m.set(c, []);
    m.get(c)!.push(r);
  };
  for (let round = 0; round < RUNS; round++) {
    const order = producers.map((_, i) => producers[(i + round) % producers.length]!);
    const consumerOrder = consumers.map((_, i) => consumers[(i + round) % consumers.length]!);
    log(`\n  round ${round + 1} (order: ${order.join(', ')})`);
    for (const size of SIZES) {
      let source = '';
      if (!DO_PRODUCE) {
        // The consumers still read what kcat produced with acks=1.
        source = `p-${size}-1-kcat-${round}`;
        await produceOnce(b, 'kcat', size, 1, source);
      }
      for (const acks of DO_PRODUCE ? ACKS : []) {
        log(`   ${produceKey(size, acks)}: ${fmt(COUNT[size]!)} records`);
        for (const client of order) {
          const topic = `p-${size}-${acksLabel(acks)}-${client}-${round}`;
          const run = await produceOnce(b, client, size, acks, topic);
          add(produceKey(size, acks), client, run);
          log(line(client, run));
          if (client === 'kcat' && acks === 1) source = topic;
          else await deleteTopic(b.port, topic);
        }
      }
      if (DO_CONSUME) log(`   ${consumeKey(size)}: ${fmt(COUNT[size]!)} records from the beginning of ${source}`);
      for (const client of DO_CONSUME ? consumerOrder : []) {
        const run = await consumeOnce(b, client, size, source);
        add(consumeKey(size), client, run);
        log(line(client, run));
      }
      await deleteTopic(b.port, source);
    }
  }
  return all;
}

// ---------------------------------------------------------------- what holds our client back

/**
 * Runs our client once more per case with its requests counted (how many
 * Produce requests were in flight together; how long Fetches that returned
 * nothing took), then once under node --cpu-prof, and prints both.
 */
async function diagnoseOurs(b: BrokerHandle): Promise<Record<string, { trace: string; top: { name: string; share: number }[] }>> {
  const out: Record<string, { trace: string; top: { name: string; share: number }[] }> = {};
  const sources: Record<number, string> = {};
  for (const size of SIZES) {
    sources[size] = `diagnose-source-${size}`;
    await createTopic(b.port, sources[size]!, PARTITIONS);
    await kcat(['-P', '-b', `127.0.0.1:${b.port}`, '-t', sources[size]!, '-X', `linger.ms=${LINGER_MS}`, '-X', `batch.size=${BATCH_BYTES}`, '-X', 'acks=1', '-l', files[size]!]);
  }
  const jobs: { key: string; op: 'produce' | 'consume'; size: number }[] = [
    ...(DO_PRODUCE ? SIZES.map((size) => ({ key: produceKey(size, 1), op: 'produce' as const, size })) : []),
    ...(DO_CONSUME ? SIZES.map((size) => ({ key: consumeKey(size), op: 'consume' as const, size })) : []),
  ];
  let n = 0;
  for (const job of jobs) {
    const base = { client: 'samsa' as const, op: job.op, port: b.port, partitions: PARTITIONS, count: COUNT[job.size]!, recordSize: job.size, acks: 1, groupId: '' };
    const topicFor = async () => {
      if (job.op === 'consume') return sources[job.size]!;
      const t = `diagnose-${++n}`;
      await createTopic(b.port, t, PARTITIONS);
      return t;
    };
    let topic = await topicFor();
    const traced = await runner({ ...base, topic, trace: true });
    if (job.op === 'produce') await deleteTopic(b.port, topic);
    const dir = path.join(tmpRoot, `prof-${++n}`);
    fs.mkdirSync(dir);
    topic = await topicFor();
    const r = await runner({ ...base, topic }, ['--cpu-prof', '--cpu-prof-dir', dir]);
    if (job.op === 'produce') await deleteTopic(b.port, topic);
    const f = fs.readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
    if (!f) throw new Error('the client wrote no .cpuprofile');
    const top = topSelfTime(path.join(dir, f), 15);
    out[job.key] = { trace: traced.note ?? '', top };
    log(`\n  our client, ${job.key}`);
    log(`    counted run: ${fmt(traced.records / traced.seconds)} rec/s in ${fmt(traced.seconds, 2)} s, CPU ${fmt(traced.cpuSeconds, 2)} s; ${traced.note}`);
    log(`    under the profiler: ${fmt(r.records / r.seconds)} rec/s in ${fmt(r.seconds, 2)} s, CPU ${fmt(r.cpuSeconds, 2)} s; self time, share of busy samples (whole process):`);
    for (const t of top) log(`    ${pct(t.share).padStart(4)}  ${t.name}`);
  }
  for (const size of SIZES) await deleteTopic(b.port, sources[size]!);
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = performance.now();
  const kcatVersion = (await spawnCollect('kcat', ['-V'])).stdout.match(/Version (\S+) .*librdkafka (\S+)/)?.slice(1).join(' with librdkafka ') ?? '?';
  const machine = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    kernel: os.release(),
    librdkafka: kcatVersion,
    kafkajs: versionOf('kafkajs'),
    platformatic: versionOf('@platformatic/kafka'),
  };
  results.machine = machine;
  log(
    `Samsa client benchmark — ${machine.date}\n` +
      `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${fmt(machine.memoryGiB, 1)} GiB, Linux ${machine.kernel}, Node ${machine.node}\n` +
      `clients: kcat ${machine.librdkafka}, our client, KafkaJS ${machine.kafkajs}, @platformatic/kafka ${machine.platformatic}\n` +
      `${PARTITIONS} partitions; ${fmt(COUNT[100]!)} × 100 B and ${fmt(COUNT[1024]!)} × 1 KiB records; linger.ms=${LINGER_MS}, batch.size=${BATCH_BYTES} ` +
      `(KafkaJS and @platformatic/kafka: ${PARTITIONS} × 64 KiB of records per send(), 5 sends in flight); medians of ${RUNS} rounds; MB = 10^6 bytes of record values`,
  );
  log(`\nwarm-up: wrote and deleted 4 GiB in ${fmt(warmPageCache(tmpRoot), 1)} s`);
  for (const size of SIZES) files[size] = recordsFile(size, COUNT[size]!);

  const dir = path.join(tmpRoot, 'broker');
  fs.mkdirSync(dir);
  broker = await startBroker({ dir, overrides: { 'group.initial.rebalance.delay.ms': '0' } });
  const b = broker;
  const consumers: Client[] = opts['no-diagnostic'] ? CLIENTS : [...CLIENTS, 'samsa-wait10'];
  const producers: Client[] = [...CLIENTS, 'samsa-promise', ...(BASELINE_RUNNER ? ['samsa-baseline' as const] : []), ...(opts['no-diagnostic'] ? [] : ['samsa-nowindow' as const])];
  const all = await rounds(b, consumers, producers);

  // Medians and ratios.
  interface Row {
    client: Client;
    recPerSec: number;
    mbPerSec: number;
    ratio: number;
    clientCpuPerMRec: number;
    brokerCpu: number;
  }
  const table = new Map<CaseKey, Row[]>();
  for (const k of CASES) {
    const byClient = all.get(k)!;
    const ref = byClient.get('kcat')!;
    const rows: Row[] = [];
    for (const [client, runs] of byClient) {
      rows.push({
        client,
        recPerSec: median(runs.map((r) => r.records / r.seconds)),
        mbPerSec: median(runs.map((r) => r.valueBytes / MB / r.seconds)),
        ratio: median(runs.map((r, i) => ref[i]!.seconds / r.seconds)),
        clientCpuPerMRec: median(runs.map((r) => (r.clientCpu / r.records) * 1e6)),
        brokerCpu: median(runs.map((r) => r.brokerCpu)),
      });
    }
    table.set(k, rows);
  }
  results.runs = Object.fromEntries([...all].map(([k, m]) => [k, Object.fromEntries(m)]));
  results.summary = Object.fromEntries(table);
  const othersMedian = median([...all.values()].flatMap((m) => [...m.values()].flat().map((r) => r.others)));

  const targets: { target: string; measured: string; ok: boolean; miss: string }[] = [];
  for (const k of CASES) {
    const rows = table.get(k)!;
    const get = (c: Client) => rows.find((r) => r.client === c)!;
    const ours = get('samsa');
    const kj = get('kafkajs');
    const pl = get('platformatic');
    const kc = get('kcat');
    targets.push({
      target: `${k}: faster than KafkaJS`,
      measured: `${fmt(ours.recPerSec)} vs ${fmt(kj.recPerSec)} rec/s (${fmt(ours.recPerSec / kj.recPerSec, 2)}×)`,
      ok: ours.recPerSec > kj.recPerSec,
      miss: `${pct(1 - ours.recPerSec / kj.recPerSec)} slower`,
    });
    targets.push({
      target: `${k}: faster than @platformatic/kafka`,
      measured: `${fmt(ours.recPerSec)} vs ${fmt(pl.recPerSec)} rec/s (${fmt(ours.recPerSec / pl.recPerSec, 2)}×)`,
      ok: ours.recPerSec > pl.recPerSec,
      miss: `${pct(1 - ours.recPerSec / pl.recPerSec)} slower`,
    });
    targets.push({
      target: `${k}: ≥ 70% of librdkafka`,
      measured: `${pct(ours.ratio)} (${fmt(ours.recPerSec)} vs ${fmt(kc.recPerSec)} rec/s)`,
      ok: ours.ratio >= 0.7,
      miss: `${fmt((0.7 - ours.ratio) * 100)} points short`,
    });
  }
  results.targets = targets;

  log(`\nThroughput (medians of ${RUNS}; ratio: median of the per-round ratios to kcat's time; client CPU per million records)`);
  for (const k of CASES) {
    log(`  ${k}`);
    for (const r of table.get(k)!) {
      log(
        `    ${LABEL[r.client].padEnd(30)}${fmt(r.recPerSec).padStart(11)} rec/s ${fmt(r.mbPerSec, 1).padStart(7)} MB/s ${pct(r.ratio).padStart(6)} of kcat  ` +
          `client CPU ${fmt(r.clientCpuPerMRec, 2)} s/M records, broker ${fmt(r.brokerCpu * 100)}%`,
      );
    }
  }
  log(`  other processes on the machine used ${fmt(othersMedian, 2)} cores (median over all runs)`);

  const profile = opts.profile || (!opts['no-profile'] && targets.some((t) => !t.ok));
  if (profile) {
    log('\nWhat holds our client back: its requests counted, and node --cpu-prof' + (opts.profile ? '' : ' (because a target was missed)'));
    results.diagnosis = await diagnoseOurs(b);
  }

  log('\nTargets (issue 5)');
  const w = Math.max(...targets.map((t) => t.target.length));
  const wm = Math.max(...targets.map((t) => t.measured.length));
  for (const t of targets) log(`  ${t.target.padEnd(w)}  ${t.measured.padEnd(wm)}  ${t.ok ? 'PASS' : `MISS (${t.miss})`}`);
  log(`\nbenchmark took ${fmt((performance.now() - started) / 1000)} s`);
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(results, null, 2));
}

async function cleanup(): Promise<void> {
  await broker?.stop().catch(() => {});
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
