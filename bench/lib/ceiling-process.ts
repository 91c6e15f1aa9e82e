// The ceiling server (ceiling-server.ts) as a child process of a benchmark:
// started in its own directory, its three ports read from its first line.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface CeilingServer {
  /** socket → file, file → socket, and request → file → 8-byte ack (the latency floor). */
  sinkPort: number;
  sourcePort: number;
  ackPort: number;
  dir: string;
  pid: number;
  /** SIGTERM, wait for exit, remove the directory. */
  stop(): Promise<void>;
}

export async function startCeilingServer(dir: string): Promise<CeilingServer> {
  fs.mkdirSync(dir);
  const child = spawn(process.execPath, [path.join(HERE, 'ceiling-server.js'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [sinkPort, sourcePort, ackPort] = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ceiling-server (\d+) (\d+) (\d+)/.exec(out);
      if (m) resolve([Number(m[1]), Number(m[2]), Number(m[3])]);
    });
    child.once('exit', (code) => reject(new Error(`ceiling server exited with ${code}`)));
  });
  return {
    sinkPort: sinkPort!,
    sourcePort: sourcePort!,
    ackPort: ackPort!,
    dir,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
