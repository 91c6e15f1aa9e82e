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
// and prints each with its ratio to the ceiling. Kafka's JVM tools take 1.5-3 s.

import { spawn, spawnSync } from 'node:child_process';
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
    ];
    console.log(`CLI start-up, median of ${RUNS} runs (wall time from spawn to exit):`);
    for (const [label, ms] of rows) console.log(`  ${label.padEnd(40)} ${ms.toFixed(0).padStart(5)} ms   ${(ms / ceiling).toFixed(2)}x ceiling`);
  } finally {
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
