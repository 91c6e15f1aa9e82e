// Starts Samsa brokers as separate processes (as users run them) on free
// ports with temporary data dirs, and runs third-party clients against them.

import { spawn, ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SAMSA_BIN = path.join(REPO, 'bin/samsa.js');
export const PYTHON = '/usr/bin/python3';

export interface BrokerProcess {
  readonly dataDir: string;
  port: number;
  bootstrap: string;
  proc: ChildProcess;
  /** Everything the broker printed so far. */
  output(): string;
  /** SIGTERM (or the given signal) and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL (kill -9) and wait for exit. */
  kill9(): Promise<void>;
  /** Starts again on the same data dir and port. */
  restart(): Promise<void>;
  /** Stops if running and removes the data dir. */
  destroy(): Promise<void>;
}

export interface BrokerProcessOptions {
  overrides?: Record<string, string>;
  dataDir?: string;
  port?: number;
  configFile?: string;
  timeoutMs?: number;
  /** Start through bin/kafka-server-start.sh, as Kafka users do. */
  viaKafkaScript?: boolean;
}

const LISTENING = /listening on \S+?:\/\/[^\s,]*?:(\d+)/;

export function tempDir(prefix = 'samsa-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function startBrokerProcess(opts: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  let out = '';
  let port = opts.port ?? 0;
  const launch = async (): Promise<ChildProcess> => {
    const launchedAt = out.length;
    const args = opts.viaKafkaScript ? [path.join(REPO, 'bin/kafka-server-start.sh')] : [SAMSA_BIN, 'server-start'];
    if (opts.configFile) args.push(opts.configFile);
    const overrides = { 'listeners': `PLAINTEXT://127.0.0.1:${port}`, 'log.dirs': dataDir, ...(opts.overrides ?? {}) };
    for (const [k, v] of Object.entries(overrides)) args.push('--override', `${k}=${v}`);
    const proc = spawn(opts.viaKafkaScript ? 'bash' : process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SAMSA_LOG_LEVEL: 'info' } });
    const started = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker did not start in time; output:\n${out}`)), opts.timeoutMs ?? 30000);
      const onData = (d: Buffer) => {
        out += d.toString();
        // Only this launch's output: after a restart the previous run's "listening" line is still in `out`.
        const m = LISTENING.exec(out.slice(Math.max(launchedAt, out.length - 4096)));
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`broker exited with ${code} before listening; output:\n${out}`));
      });
    });
    port = await started;
    return proc;
  };
  const waitExit = (p: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve(p.exitCode);
      p.once('exit', (code) => resolve(code));
    });
  const bp: BrokerProcess = {
    dataDir,
    port: 0,
    bootstrap: '',
    proc: await launch(),
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      bp.proc.kill(signal);
      return waitExit(bp.proc);
    },
    async kill9() {
      bp.proc.kill('SIGKILL');
      await waitExit(bp.proc);
    },
    async restart() {
      if (bp.proc.exitCode === null && bp.proc.signalCode === null) await bp.stop();
      bp.proc = await launch();
    },
    async destroy() {
      if (bp.proc.exitCode === null && bp.proc.signalCode === null) await bp.kill9();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  bp.port = port;
  bp.bootstrap = `127.0.0.1:${port}`;
  return bp;
}

/** Fails (never skips) when a third-party client the tests rely on is missing. */
export function requireTool(name: 'kcat' | 'kafka-python' | 'confluent-kafka'): void {
  const ok =
    name === 'kcat'
      ? spawnSync('kcat', ['-V']).status === 0
      : spawnSync(PYTHON, ['-c', name === 'kafka-python' ? 'import kafka' : 'import confluent_kafka']).status === 0;
  if (!ok) {
    throw new Error(`${name} is not installed: run scripts/install-test-deps.sh (the test suite never skips a missing client)`);
  }
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously with optional stdin, a timeout, and captured output. */
export function run(cmd: string, args: string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, opts.timeoutMs ?? 60000);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    if (opts.input !== undefined) p.stdin.end(opts.input);
    else p.stdin.end();
  });
}

/** Runs a Python script (given as text) with Debian's python3, which has kafka-python and confluent-kafka. */
export async function runPython(script: string, args: string[] = [], timeoutMs = 60000): Promise<RunResult> {
  return run(PYTHON, ['-c', script, ...args], { timeoutMs });
}

export function kcatVersion(): string {
  return execFileSync('kcat', ['-V']).toString().split('\n')[0] ?? '';
}
