// Running the Kafka-named tools (bin/<tool>.sh) as users do, and comparing
// their output with Kafka's, line by line, after normalising the parts that
// differ from run to run (topic ids, hosts, consumer ids).

import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO, RunResult, run } from './harness.js';

export function toolPath(tool: string): string {
  return path.join(REPO, 'bin', `${tool}.sh`);
}

/** Runs bin/<tool>.sh with the arguments; stdin is the given text (or empty). */
export function runTool(tool: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return run('bash', [toolPath(tool), ...args], { input: opts.input ?? '', timeoutMs: opts.timeoutMs ?? 60000, env: opts.env });
}

/** Runs a tool that must succeed; returns its stdout. */
export async function tool(name: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await runTool(name, args, opts);
  assert.equal(r.status, 0, `${name} ${args.join(' ')} exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout;
}

/** Replaces volatile values: topic ids (22-character base64url after "TopicId: "), log timestamps. */
export function normalize(text: string): string {
  return text
    .replace(/TopicId: [A-Za-z0-9_-]{22}/g, 'TopicId: <id>')
    .replace(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] /gm, '[<time>] ');
}

/** Compares output with the expected lines one by one, so a failure names the first differing line. */
export function assertLines(actual: string, expected: string[], what = 'output'): void {
  const lines = normalize(actual).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < Math.max(lines.length, expected.length); i++) {
    assert.equal(lines[i], expected[i], `${what}, line ${i + 1}:\n--- actual ---\n${actual}\n--- expected ---\n${expected.join('\n')}`);
  }
}

/** A tool running in the background (a console consumer, an interactive producer). */
export interface LiveTool {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) matches. */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>;
  exit(): Promise<number | null>;
}

export function startTool(tool: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): LiveTool {
  const proc = spawn('bash', [toolPath(tool), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    notify();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    notify();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : null))));
  proc.on('exit', notify);
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, stream = 'stdout', timeoutMs = 30000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (re.test(stream === 'stdout' ? out : err)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`${tool} exited before ${re} appeared on ${stream}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${re} on ${stream} of ${tool}\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    exit: () => exited,
  };
}
