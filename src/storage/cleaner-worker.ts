// Worker-thread entry of the log cleaner: receives messages from
// log-cleaner.ts — { id, task } (run cleanLog, cleaner.ts) or { id, scan }
// (scanDeleteHorizons) — and answers { id, result } or { id, error }. It
// reads segment files and writes `.cleaned` files only; the main thread does
// the swap.
//
// Priority: on 2 cores the cleaner would take half the CPU from the broker's
// event loop. On Linux a thread has a nice value of its own, so this thread
// (and the synchronous file I/O it does, cleaner.ts) runs at nice 19 when
// the broker asks for it: under contention it gets little CPU, on an idle
// machine it still runs at full speed (CFS never starves a runnable thread).
// Pacing: the main thread shares its event loop's utilization (a
// SharedArrayBuffer, per mille); cleanLog pauses between slices of work to
// leave a busy broker that share of the time (cleaner-throttle.ts, Pacer).

import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { cleanLog, scanDeleteHorizons, type CleanTask, type CleanerSegment } from './cleaner.js';

/** This thread's kernel id (Linux: /proc/thread-self links to `<pid>/task/<tid>`), or null elsewhere. */
export function currentThreadId(): number | null {
  try {
    const m = /\/task\/(\d+)$/.exec(fs.readlinkSync('/proc/thread-self'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The nice value of a thread of this process, from /proc/<pid>/task/<tid>/stat (field 19), or null. */
export function threadNice(tid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[19 - 3]);
  } catch {
    return null;
  }
}

const data = (workerData ?? {}) as { nice?: number; load?: SharedArrayBuffer };
const wanted = data.nice;
const loadView = data.load ? new Int32Array(data.load) : null;
const brokerLoad = loadView ? () => Atomics.load(loadView, 0) / 1000 : undefined;
let priority: { tid: number | null; nice: number | null; error?: string } = { tid: null, nice: null };
if (parentPort && wanted !== undefined) {
  const tid = currentThreadId();
  priority = { tid, nice: null };
  if (tid !== null) {
    try {
      os.setPriority(tid, wanted);
    } catch (err) {
      priority.error = (err as Error).message;
    }
    priority.nice = threadNice(tid);
  }
}

parentPort?.on('message', (msg: { id: number; task?: CleanTask; scan?: CleanerSegment[]; priority?: true }) => {
  const work: Promise<unknown> = msg.task
    ? cleanLog(msg.task, brokerLoad)
    : msg.scan
      ? Promise.resolve().then(() => scanDeleteHorizons(msg.scan!))
      : Promise.resolve(priority);
  work.then(
    (result) => parentPort!.postMessage({ id: msg.id, result }),
    (err: unknown) => parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
});
