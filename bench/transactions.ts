// Idempotence and transactions benchmark (issue 8), run by hand:
// `npm run bench:transactions` (builds, then runs dist/bench/transactions.js).
// Not part of the test suite.
//
// One Samsa broker process (bench/lib/broker.ts, started as users start it).
// Against it, our Producer produces N records (acks=all, linger.ms=5,
// batch.size=65536, no keys, no compression, 4 partitions, a fresh topic per
// run, deleted after it) in four modes:
//  (1) enable.idempotence=false          - the baseline every ratio is to
//  (2) enable.idempotence=true
//  (3) transactions of 100 records       - beginTransaction, 100 send()s, commitTransaction
//  (4) transactions of 1,000 records
// and kcat (librdkafka) with and without enable.idempotence as a second data
// point (`kcat -P -l file -X acks=all -X linger.ms=5 -X batch.size=65536`).
// Each producer runs in a process of its own (this file with `--child`),
// timed from the producer's construction (plus initTransactions) to the last
// acknowledgement / commit. Each round runs every mode once, in an order
// rotated from round to round, so drift hits all modes alike; figures are
// medians over the rounds, and each ratio is the median of the per-round
// ratios to (1) of the same round.
// Non-transactional modes: send() per record, promises gathered per 1,000
// records, at most 64 such groups and 16 MiB unsettled (as bench/client.ts).
// Transactional modes: the sends of one transaction are not awaited one by
// one; commitTransaction() flushes them and ends the transaction; the next
// transaction begins after the commit returns.
//
// Options: --runs N (default 3), --records-100 N (default 100,000),
// --records-1k N (default 50,000), --no-kcat, --modes LIST (e.g. idempotent: only
// those modes and their baselines, for more rounds in the same time), --json FILE.
// MB is 10^6 bytes of record values.

import { randomFillSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type * as Samsa from '../src/index.js';

type Mode = 'plain' | 'idempotent' | 'txn100' | 'txn1000' | 'kcat' | 'kcat-idem';

interface ChildArgs {
  mode: Mode;
  port: number;
  topic: string;
  count: number;
  recordSize: number;
}

interface ChildResult {
  seconds: number;
  records: number;
  cpuSeconds: number;
}

const LINGER_MS = 5;
const BATCH_BYTES = 65536;
const PARTITIONS = 4;
const GROUP = 1000;
const WINDOW = 64;
const WINDOW_BYTES = 16 * 2 ** 20;

// ---------------------------------------------------------------- child: one producer run

async function child(a: ChildArgs): Promise<ChildResult> {
  const samsa = (await import('../src/index.js')) as typeof Samsa;
  const pool: Buffer[] = [];
  for (let i = 0; i < 256; i++) pool.push(randomFillSync(Buffer.allocUnsafe(a.recordSize)));
  const txnSize = a.mode === 'txn100' ? 100 : a.mode === 'txn1000' ? 1000 : 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const p = new samsa.Producer({
    bootstrapServers: `127.0.0.1:${a.port}`,
    acks: 'all',
    lingerMs: LINGER_MS,
    batchSize: BATCH_BYTES,
    clientId: `bench-txn-${a.mode}`,
    enableIdempotence: a.mode !== 'plain',
    ...(txnSize ? { transactionalId: `bench-txn-${a.topic}` } : {}),
  });
  const topic = a.topic;
  if (txnSize) {
    await p.initTransactions();
    for (let i = 0; i < a.count; ) {
      p.beginTransaction();
      const n = Math.min(txnSize, a.count - i);
      const sends = new Array<Promise<unknown>>(n);
      for (let k = 0; k < n; k++, i++) sends[k] = p.send({ topic, value: pool[i & 255]! });
      await p.commitTransaction();
      await Promise.all(sends);
    }
  } else {
    const window: Promise<unknown>[] = [];
    const maxGroups = Math.max(1, Math.min(WINDOW, Math.floor(WINDOW_BYTES / (GROUP * a.recordSize))));
    for (let i = 0; i < a.count; ) {
      const n = Math.min(GROUP, a.count - i);
      const group = new Array<Promise<unknown>>(n);
      for (let k = 0; k < n; k++, i++) group[k] = p.send({ topic, value: pool[i & 255]! });
      window.push(Promise.all(group));
      if (window.length >= maxGroups) await window.shift();
    }
    await Promise.all(window);
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  await p.close();
  return { seconds, records: a.count, cpuSeconds: (c.user + c.system) / 1e6 };
}

if (process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3]!) as ChildArgs).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
} else {
  await main();
}

// ---------------------------------------------------------------- parent

async function main(): Promise<void> {
  const { startBroker } = await import('./lib/broker.js');
  const { median } = await import('./lib/wire.js');
  const { MB, createTopic, deleteTopic, fmt, log, pct, warmPageCache, withLoad } = await import('./lib/common.js');

  const { values: opts } = parseArgs({
    args: process.argv.slice(2),
    options: {
      runs: { type: 'string', default: '3' },
      json: { type: 'string' },
      'records-100': { type: 'string', default: '100000' },
      'records-1k': { type: 'string', default: '50000' },
      'no-kcat': { type: 'boolean' },
      modes: { type: 'string' },
    },
  });
  const RUNS = Math.max(1, Number(opts.runs));
  const SIZES = [100, 1024];
  const COUNT: Record<number, number> = { 100: Number(opts['records-100']), 1024: Number(opts['records-1k']) };
  const ALL_MODES: Mode[] = ['plain', 'idempotent', 'txn100', 'txn1000', ...(opts['no-kcat'] ? [] : (['kcat', 'kcat-idem'] as Mode[]))];
  // --modes idempotent (say): only those, plus the baselines their ratios need, so that more rounds fit.
  const wanted = opts.modes ? new Set(opts.modes.split(',').map((m) => m.trim())) : null;
  if (wanted) for (const m of wanted) if (!ALL_MODES.includes(m as Mode)) throw new Error(`--modes: unknown mode ${m} (${ALL_MODES.join(', ')})`);
  const MODES = wanted ? ALL_MODES.filter((m) => wanted.has(m) || m === 'plain' || (m === 'kcat' && wanted.has('kcat-idem'))) : ALL_MODES;
  const LABEL: Record<Mode, string> = {
    plain: '(1) idempotence off',
    idempotent: '(2) idempotence on',
    txn100: '(3) transactions of 100',
    txn1000: '(4) transactions of 1,000',
    kcat: 'kcat, idempotence off',
    'kcat-idem': 'kcat, idempotence on',
  };
  const HERE = path.dirname(fileURLToPath(import.meta.url));
  const SELF = path.join(HERE, 'transactions.js');
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-txn-'));
  const sizeLabel = (s: number) => (s === 1024 ? '1 KiB' : `${s} B`);

  function spawnCollect(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-65536)));
      p.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
      const timer = setTimeout(() => p.kill('SIGKILL'), 300_000);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
      });
    });
  }

  /** `count` lines of `size` random letters, for kcat -P -l. */
  function recordsFile(size: number, count: number): string {
    const file = path.join(tmpRoot, `records-${size}.txt`);
    const line = size + 1;
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

  let seq = 0;
  const files: Record<number, string> = {};

  interface Run {
    seconds: number;
    clientCpu: number;
    brokerCpu: number;
    others: number;
  }

  async function once(port: number, pid: number, mode: Mode, size: number): Promise<Run> {
    const topic = `bench-txn-${mode}-${size}-${++seq}`;
    await createTopic(port, topic, PARTITIONS);
    const count = COUNT[size]!;
    const { r, ...load } = await withLoad(
      pid,
      async (): Promise<ChildResult> => {
        if (mode === 'kcat' || mode === 'kcat-idem') {
          const timeFile = path.join(tmpRoot, 'kcat-time.txt');
          const args = ['-P', '-b', `127.0.0.1:${port}`, '-t', topic, '-X', 'acks=all', '-X', `linger.ms=${LINGER_MS}`, '-X', `batch.size=${BATCH_BYTES}`];
          args.push('-X', `enable.idempotence=${mode === 'kcat-idem'}`, '-l', files[size]!);
          const k = await spawnCollect('/usr/bin/time', ['-o', timeFile, '-f', '%U %S', 'kcat', ...args]);
          if (k.code !== 0) throw new Error(`kcat ${args.join(' ')} exited with ${k.code}: ${k.stderr}`);
          const [u, s] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
          return { seconds: k.seconds, records: count, cpuSeconds: u! + s! };
        }
        const c = await spawnCollect(process.execPath, [SELF, '--child', JSON.stringify({ mode, port, topic, count, recordSize: size } satisfies ChildArgs)]);
        if (c.code !== 0) throw new Error(`${mode} ${sizeLabel(size)} failed (exit ${c.code}): ${c.stderr}`);
        return JSON.parse(c.stdout.trim().split('\n').pop()!) as ChildResult;
      },
      (x) => x.cpuSeconds,
    );
    await deleteTopic(port, topic);
    return { seconds: r.seconds, clientCpu: r.cpuSeconds, brokerCpu: load.brokerCpu, others: load.others };
  }

  let broker: Awaited<ReturnType<typeof startBroker>> | null = null;
  const cleanup = () => {
    try {
      broker?.proc.kill('SIGKILL');
    } catch {}
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  try {
    log(`Idempotence and transactions benchmark: ${RUNS} rounds, ${os.cpus().length} CPUs, Node ${process.version}`);
    const warm = warmPageCache(tmpRoot, 2 ** 30);
    log(`page-cache warm-up: 1 GiB in ${fmt(warm, 1)} s`);
    if (MODES.includes('kcat')) for (const s of SIZES) files[s] = recordsFile(s, COUNT[s]!);
    broker = await startBroker({ dir: path.join(tmpRoot, 'broker') });
    log(`broker pid ${broker.pid} on port ${broker.port}, ready in ${fmt(broker.readyMs)} ms`);
    // warm-up runs (not counted): JIT, the transaction-state topic, the page cache
    for (const s of SIZES) for (const m of ['plain', 'txn1000'] as Mode[]) await once(broker.port, broker.pid, m, s);

    const runs: Record<string, Run[]> = {};
    const key = (m: Mode, s: number) => `${m}/${s}`;
    for (let round = 0; round < RUNS; round++) {
      for (const s of SIZES) {
        const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
        for (const m of order) {
          const r = await once(broker.port, broker.pid, m, s);
          (runs[key(m, s)] ??= []).push(r);
          log(
            `  round ${round + 1} ${sizeLabel(s).padEnd(5)} ${LABEL[m].padEnd(27)} ${fmt(COUNT[s]! / r.seconds).padStart(9)} rec/s ` +
              `${fmt((COUNT[s]! * s) / MB / r.seconds, 1).padStart(7)} MB/s  (client ${fmt(r.clientCpu / r.seconds, 2)} cores, broker ${fmt(r.brokerCpu, 2)}, others ${fmt(r.others, 2)})`,
          );
        }
      }
    }

    const summary: Record<string, unknown> = {};
    log('');
    log('Medians (ratio = median of the per-round ratios to (1) idempotence off, same size, same round; kcat ratios to kcat without idempotence):');
    let allPass = true;
    for (const s of SIZES) {
      log(`${sizeLabel(s)} records × ${fmt(COUNT[s]!)}:`);
      for (const m of MODES) {
        const rs = runs[key(m, s)]!;
        const base = runs[key(m.startsWith('kcat') ? 'kcat' : 'plain', s)]!;
        const rate = median(rs.map((r) => COUNT[s]! / r.seconds));
        const ratio = median(rs.map((r, i) => base[i]!.seconds / r.seconds));
        let verdict = '';
        if (m === 'idempotent' || m === 'kcat-idem') verdict = ratio >= 0.95 ? 'PASS (target: costs ≤ 5%)' : 'MISS (target: costs ≤ 5%)';
        if (m === 'txn1000') verdict = ratio >= 0.7 ? 'PASS (target: ≥ 70%)' : 'MISS (target: ≥ 70%)';
        if (m === 'txn100') verdict = '(no target)';
        if ((m === 'idempotent' || m === 'txn1000') && !verdict.startsWith('PASS')) allPass = false;
        log(
          `  ${LABEL[m].padEnd(27)} ${fmt(rate).padStart(9)} rec/s ${fmt((rate * s) / MB, 1).padStart(7)} MB/s` +
            (m === 'plain' || m === 'kcat' ? '' : `  ${pct(ratio, 1).padStart(6)} ${verdict}`) +
            `  client ${fmt(median(rs.map((r) => r.clientCpu / r.seconds)), 2)} cores, broker ${fmt(median(rs.map((r) => r.brokerCpu)), 2)}`,
        );
        summary[key(m, s)] = { recordsPerSecond: rate, mbPerSecond: (rate * s) / MB, ratio, runs: rs };
      }
    }
    log(allPass ? 'All targets met.' : 'A target was missed.');
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ counts: COUNT, runs: RUNS, summary }, null, 2));
    await broker.stop();
    broker = null;
  } finally {
    cleanup();
  }
}
