// Worker-thread entry of the log cleaner: receives CleanTask messages
// ({ id, task }) from log-cleaner.ts, runs cleanLog (cleaner.ts) off the main
// thread, and answers { id, result } or { id, error }. It reads segment files
// and writes `.cleaned` files only; the main thread does the swap.

import { parentPort } from 'node:worker_threads';
import { cleanLog, type CleanTask } from './cleaner.js';

parentPort?.on('message', (msg: { id: number; task: CleanTask }) => {
  cleanLog(msg.task).then(
    (result) => parentPort!.postMessage({ id: msg.id, result }),
    (err: unknown) => parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
});
