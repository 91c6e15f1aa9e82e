// The orchestrating side of the load generator (load-generator.ts, a worker
// thread): one request-response exchange per operation.

import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  FetchArgs,
  LatencyArgs,
  LatencyResult,
  ProduceArgs,
  ProduceResult,
  SinkArgs,
  SourceArgs,
  ThroughputResult,
} from './load-generator.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export class LoadGenerator {
  private readonly worker = new Worker(path.join(HERE, 'load-generator.js'));
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  constructor() {
    this.worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id)!;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(m.error));
      else w.resolve(m.result);
    });
    this.worker.on('error', (err) => {
      for (const w of this.waiting.values()) w.reject(err);
    });
  }

  run(op: 'ceilingSink', args: SinkArgs): Promise<ThroughputResult>;
  run(op: 'ceilingSource', args: SourceArgs): Promise<ThroughputResult>;
  run(op: 'produce', args: ProduceArgs): Promise<ProduceResult>;
  run(op: 'fetch', args: FetchArgs): Promise<ThroughputResult & { fetches: number; expectedBytes: number }>;
  run(op: 'latency', args: LatencyArgs): Promise<LatencyResult>;
  run(op: string, args: unknown): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
