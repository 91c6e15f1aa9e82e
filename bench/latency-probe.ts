// A quick probe of produce latency at a fixed request rate: the (d) part of
// produce-consume.ts on its own, so that a change on the produce path can be
// judged in a few minutes. The floor server and one or two brokers take turns,
// run by run; with `--ab` a second broker of the same build runs with extra
// environment (`--b-env K=V`) or node flags (`--b-node-arg=--flag`), so that
// a switch is measured both ways in one run, alternately, under the same
// neighbours. `--timeline` lists where the requests over 2 ms were.
//   node dist/bench/latency-probe.js --rate 9000 --runs 8 [--profile]
//   node dist/bench/latency-probe.js --rate 9000 --runs 8 --ab --b-env SAMSA_X=1
//   node dist/bench/latency-probe.js --rate 9600 --runs 8 --ab --b-bin ../before/bin/samsa.js
//   node dist/bench/latency-probe.js --rate 9600 --runs 6 --senders timer,reads

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RawClient } from '../test/integration/raw-client.js';
import { cpuSeconds, gcDelta, startBroker, type BrokerHandle } from './lib/broker.js';
import { LoadGenerator } from './lib/generator-client.js';
import { startCeilingServer } from './lib/ceiling-process.js';
import { median } from './lib/wire.js';
import type { LatencyArgs, LatencyResult } from './lib/load-generator.js';

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '9000' },
    runs: { type: 'string', default: '5' },
    profile: { type: 'boolean' },
    'no-floor': { type: 'boolean' },
    ab: { type: 'boolean' },
    'b-env': { type: 'string', multiple: true, default: [] },
    'b-node-arg': { type: 'string', multiple: true, default: [] },
    // Broker B from another build: the bin/samsa.js of a built checkout (e.g. a git worktree of the previous commit).
    'b-bin': { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    timeline: { type: 'boolean' },
    // Run the brokers with --trace-gc and report each run's scavenges and pauses.
    gc: { type: 'boolean' },
    // How the load generator paces its sends: 'timer' (its 1 ms timer only, as produce-consume does) or 'reads' (also on every answer read: smooth arrivals); 'timer,reads' alternates both.
    senders: { type: 'string', default: 'timer' },
  },
});
const RATE = Number(opts.rate);
const RUNS = Number(opts.runs);
const SENDERS = opts.senders.split(',').map((x) => {
  if (x !== 'reads' && x !== 'timer') throw new Error(`--senders: '${x}' is neither 'reads' nor 'timer'`);
  return x;
});
const PARTITIONS = 4;
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-latency-'));
const log = (s: string) => process.stdout.write(`${s}\n`);
const f = (n: number, d = 2) => n.toFixed(d);

const loadGenerator = new LoadGenerator();
const latency = (args: LatencyArgs): Promise<LatencyResult> => loadGenerator.run('latency', args);

const ARGS = { partitions: PARTITIONS, recordSize: 1024, conns: 4, rate: RATE, warmupMs: 500, durationMs: 3000 };
let topicNo = 0;

async function samsaRun(b: BrokerHandle, durationMs = ARGS.durationMs, sendOnReads = false): Promise<LatencyResult & { cpu: number; gc: ReturnType<typeof gcDelta> }> {
  const topic = `latency-${topicNo++}`;
  const admin = await RawClient.connect(b.port);
  try {
    await admin.request(19, 5, {
      topics: [{ name: topic, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30000,
      validateOnly: false,
    });
    const cpu0 = cpuSeconds(b.pid);
    const gc0 = b.gc();
    const t0 = performance.now();
    const r = await latency({ ...ARGS, durationMs, port: b.port, topic, check: true, timeline: opts.timeline === true, sendOnReads });
    const cpu = (cpuSeconds(b.pid) - cpu0) / ((performance.now() - t0) / 1000);
    const gc = gcDelta(gc0, b.gc());
    await admin.request(20, 4, { topicNames: [topic], timeoutMs: 30000 });
    return { ...r, cpu, gc };
  } finally {
    admin.close();
  }
}

/** Where the requests slower than `limitMs` were: 10 ms windows of the run, with the sender's worst lag in each. */
function slowEpisodes(t: number[], limitMs: number): string {
  const windows = new Map<number, { slow: number; all: number; lag: number; worst: number }>();
  for (let i = 0; i < t.length; i += 3) {
    const w = Math.floor(t[i]! / 10);
    const e = windows.get(w) ?? { slow: 0, all: 0, lag: 0, worst: 0 };
    e.all++;
    e.lag = Math.max(e.lag, t[i + 1]!);
    if (t[i + 2]! > limitMs) e.slow++;
    e.worst = Math.max(e.worst, t[i + 2]!);
    windows.set(w, e);
  }
  const slow = [...windows.entries()].filter(([, e]) => e.slow > 0).sort((a, b) => a[0] - b[0]);
  const total = slow.reduce((n, [, e]) => n + e.slow, 0);
  return (
    `    ${total} requests over ${limitMs} ms in ${slow.length} windows of 10 ms: ` +
    slow.map(([w, e]) => `${w * 10}ms:${e.slow}/${e.all} (lag ${f(e.lag, 1)}, worst ${f(e.worst, 1)})`).join(' ')
  );
}

async function main(): Promise<void> {
  const profDir = path.join(tmpRoot, 'prof');
  fs.mkdirSync(profDir);
  const nodeArgs = [...(opts.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), ...(opts.gc ? ['--trace-gc'] : []), ...opts['node-arg']];
  type Series = { p99s: number[]; p50s: number[]; cpus: number[] };
  const brokers: { name: string; b: BrokerHandle; series: Map<string, Series> }[] = [];
  const newSeries = () => new Map(SENDERS.map((m) => [m, { p99s: [], p50s: [], cpus: [] } as Series]));
  brokers.push({ name: opts.ab ? 'A' : 'Samsa', b: await startBroker({ dir: path.join(tmpRoot, 'a'), nodeArgs }), series: newSeries() });
  if (opts.ab) {
    const env = Object.fromEntries(opts['b-env'].map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    brokers.push({ name: 'B', b: await startBroker({ dir: path.join(tmpRoot, 'b'), nodeArgs: [...nodeArgs, ...opts['b-node-arg']], env, ...(opts['b-bin'] ? { bin: path.resolve(opts['b-bin']) } : {}) }), series: newSeries() });
  }
  const c = opts['no-floor'] ? null : await startCeilingServer(path.join(tmpRoot, 'ceiling'));
  // Warm-up (JIT, first-touch pages), not counted.
  for (const x of brokers) await samsaRun(x.b, 2000);
  const floors = new Map(SENDERS.map((m) => [m, [] as number[]]));
  const seen = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    for (const mode of i % 2 === 0 ? SENDERS : [...SENDERS].reverse()) {
      const sendOnReads = mode === 'reads';
      const tag = SENDERS.length > 1 ? ` (sender: ${mode})` : '';
      if (c) {
        const fr = await latency({ ...ARGS, port: c.ackPort, topic: 'floor', check: false, sendOnReads });
        floors.get(mode)!.push(fr.p99);
        for (const x of fs.readdirSync(c.dir)) fs.rmSync(path.join(c.dir, x), { force: true });
        log(`run ${i + 1} floor${tag}: p50 ${f(fr.p50)} p99 ${f(fr.p99)} p99.9 ${f(fr.p999)} ms, sender lag p99 ${f(fr.lagP99, 1)} max ${f(fr.maxLagMs, 1)} ms`);
      }
      const order = i % 2 === 0 ? brokers : [...brokers].reverse();
      for (const x of order) {
        const r = await samsaRun(x.b, ARGS.durationMs, sendOnReads);
        const series = x.series.get(mode)!;
        series.p99s.push(r.p99);
        series.p50s.push(r.p50);
        series.cpus.push(r.cpu);
        log(
          `run ${i + 1} ${x.name}${tag}: p50 ${f(r.p50)} p99 ${f(r.p99)} p99.9 ${f(r.p999)} max ${f(r.max)} ms, broker CPU ${f(r.cpu * 100, 0)}%, ` +
            `sender lag p99 ${f(r.lagP99, 1)} max ${f(r.maxLagMs, 1)} ms, errors ${r.errors}, loadavg ${os.loadavg()[0]!.toFixed(2)}` +
            (opts.gc ? `, GC ${r.gc.scavenges} scavenges + ${r.gc.markCompacts} full, ${f(r.gc.pauseMs, 1)} ms paused` : ''),
        );
        if (r.timeline) log(slowEpisodes(r.timeline, 2));
        const notes = x.b.output().split('\n').filter((l) => /stalled|WARN|ERROR/.test(l) && !seen.has(l));
        for (const l of notes) {
          seen.add(l);
          log(`    broker ${x.name}: ${l.trim()}`);
        }
      }
    }
  }
  for (const mode of SENDERS) {
    const tag = SENDERS.length > 1 ? ` (sender: ${mode})` : '';
    for (const x of brokers) {
      const s = x.series.get(mode)!;
      log(`${x.name}${tag}: median p50 ${f(median(s.p50s))} ms, p99 ${f(median(s.p99s))} ms, CPU ${f(median(s.cpus) * 100, 0)}%; p99s ${s.p99s.map((v) => f(v)).join(' ')}`);
    }
    if (c) log(`floor${tag}: median p99 ${f(median(floors.get(mode)!))} ms; p99s ${floors.get(mode)!.map((v) => f(v)).join(' ')}`);
  }
  for (const x of brokers) await x.b.stop();
  await c?.stop();
  if (opts.profile) {
    for (const file of fs.readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile'))) {
      fs.copyFileSync(path.join(profDir, file), path.join('/tmp', file));
      log(`profile: /tmp/${file}`);
    }
  }
  await loadGenerator.terminate();
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
