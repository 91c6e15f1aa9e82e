// Start-up time of the Kafka-named tools, run by hand:
//   npx tsc -p . && node dist/bench/cli-startup.js [--runs N]
// Not part of the test suite.
//
// Measures, as medians of N runs (default 15), the wall time from spawning a
// command to its exit:
//  - ceiling: `node -e 0` (the cost of starting Node at all on this machine);
//  - `samsa` with no command (the entry point alone);
//  - `kafka-topics.sh --version` (a tool without network);
//  - `kafka-topics.sh --list` and `kafka-consumer-groups.sh --list` against a
//    broker process (a tool's first request answered, then exit);
//  - `kafka-console-producer.sh` sending one line, `kafka-console-consumer.sh`
//    reading one record with --partition/--offset;
//  - `kafka-get-offsets.sh --topic bench` (GetOffsetShell);
// and prints each with its ratio to the ceiling. Kafka's JVM tools take 1.5-3 s.
//
// Then start-up to first request: `kafka-topics.sh --list` and
// `kafka-get-offsets.sh` bootstrap through a TCP relay in this process that
// notes when the first byte of the first request arrives; the figure is the
// median time from spawn to that byte (what a user waits before the tool has
// even asked the broker anything).

import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(cmd: string, args: string[], input = ''): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

function measure(_label: string, cmd: string, args: string[], input?: string): number {
  time(cmd, args, input); // warm the page cache
  const ms = median(Array.from({ length: RUNS }, () => time(cmd, args, input)));
  return ms;
}

/** A relay to the broker that records when the first request byte of a run arrives. */
function firstRequestRelay(brokerPort: number): Promise<{ port: number; arm(): Promise<number>; close(): void }> {
  let pending: ((t: number) => void) | null = null;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: brokerPort });
    client.once('data', () => {
      const t = performance.now();
      pending?.(t);
      pending = null;
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        arm: () => new Promise<number>((r) => (pending = r)),
        close: () => server.close(),
      });
    });
  });
}

/** Spawns a command; resolves with the time to its first request (through the relay) and to its exit. */
async function timeFirstRequest(relay: { arm(): Promise<number> }, cmd: string, args: string[]): Promise<{ first: number; exit: number }> {
  const firstAt = relay.arm();
  const t = performance.now();
  const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  const exit = performance.now() - t;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err}`);
  const first = (await Promise.race([firstAt, new Promise<number>((r) => setTimeout(() => r(NaN), 1000))])) - t;
  return { first, exit };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'samsa-cli-bench-'));
  const broker = spawn(process.execPath, [path.join(BIN, 'samsa.js'), 'server-start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dir}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      broker.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on \S+?:\/\/[^\s,]*?:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      broker.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)));
    });
    const bs = ['--bootstrap-server', `127.0.0.1:${port}`];
    const sh = (tool: string) => path.join(BIN, `${tool}.sh`);
    spawnSync('bash', [sh('kafka-topics'), ...bs, '--create', '--topic', 'bench']);
    spawnSync('bash', [sh('kafka-console-producer'), ...bs, '--topic', 'bench'], { input: 'warm\n' });

    const ceiling = measure('node -e 0', process.execPath, ['-e', '0']);
    const rows: [string, number][] = [
      ['node -e 0 (ceiling)', ceiling],
      ['samsa (no command)', measure('samsa', process.execPath, [path.join(BIN, 'samsa.js')])],
      ['kafka-topics.sh --version', measure('version', 'bash', [sh('kafka-topics'), '--version'])],
      ['kafka-topics.sh --list', measure('list', 'bash', [sh('kafka-topics'), ...bs, '--list'])],
      ['kafka-consumer-groups.sh --list', measure('groups', 'bash', [sh('kafka-consumer-groups'), ...bs, '--list'])],
      ['kafka-console-producer.sh (1 line)', measure('producer', 'bash', [sh('kafka-console-producer'), ...bs, '--topic', 'bench'], 'x\n')],
      ['kafka-console-consumer.sh (1 record)', measure('consumer', 'bash', [sh('kafka-console-consumer'), ...bs, '--topic', 'bench', '--partition', '0', '--offset', '0', '--max-messages', '1'])],
      ['kafka-get-offsets.sh --topic bench', measure('offsets', 'bash', [sh('kafka-get-offsets'), ...bs, '--topic', 'bench'])],
    ];
    console.log(`CLI start-up, median of ${RUNS} runs (wall time from spawn to exit):`);
    for (const [label, ms] of rows) console.log(`  ${label.padEnd(40)} ${ms.toFixed(0).padStart(5)} ms   ${(ms / ceiling).toFixed(2)}x ceiling`);

    const relay = await firstRequestRelay(port);
    try {
      const viaRelay = ['--bootstrap-server', `127.0.0.1:${relay.port}`];
      const firstRows: [string, string[]][] = [
        ['kafka-topics.sh --list', [sh('kafka-topics'), ...viaRelay, '--list']],
        ['kafka-get-offsets.sh --topic bench', [sh('kafka-get-offsets'), ...viaRelay, '--topic', 'bench']],
      ];
      console.log(`CLI start-up to first request, median of ${RUNS} runs (spawn to the first request byte at the broker; spawn to exit):`);
      for (const [label, args] of firstRows) {
        await timeFirstRequest(relay, 'bash', args); // warm the page cache
        const runs: { first: number; exit: number }[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(await timeFirstRequest(relay, 'bash', args));
        const first = median(runs.map((r) => r.first));
        const exit = median(runs.map((r) => r.exit));
        console.log(`  ${label.padEnd(40)} ${first.toFixed(0).padStart(5)} ms to first request   ${exit.toFixed(0).padStart(5)} ms to exit   ${(first / ceiling).toFixed(2)}x ceiling`);
      }
    } finally {
      relay.close();
    }
  } finally {
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
