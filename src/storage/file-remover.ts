// Removes deleted logs' and segments' files one at a time. Unlinking a large
// file is slow on ext4 (tens to a hundred ms for a 1 GiB segment, longer with
// the `discard` mount option), and it runs on libuv's thread pool, which has
// only four threads and also carries every log write and read. fs.rm of a
// deleted topic's directories unlinks its files in parallel and so could take
// all four threads for a tenth of a second, stalling the produce and fetch
// of every other partition; Kafka removes such files from one background
// thread. Here background removals of whole directories share one queue and
// one thread-pool slot; a segment's few files, which a caller may be waiting
// on (truncation, recovery), are unlinked one after another without waiting
// behind that queue.

import fs from 'node:fs';
import path from 'node:path';

let tail: Promise<void> = Promise.resolve();

function enqueue(work: () => Promise<void>): Promise<void> {
  const p = tail.then(work, work);
  tail = p.catch(() => {});
  return p;
}

async function unlinkQuietly(file: string): Promise<void> {
  try {
    await fs.promises.unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function removeTreeNow(target: string): Promise<void> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(target, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') return unlinkQuietly(target);
    throw err;
  }
  for (const e of entries) {
    const full = path.join(target, e.name);
    if (e.isDirectory()) await removeTreeNow(full);
    else await unlinkQuietly(full);
  }
  await fs.promises.rm(target, { recursive: true, force: true });
}

/** Removes `target` (a file, or a directory and everything in it), after the removals queued before it. */
export function removeTree(target: string): Promise<void> {
  return enqueue(() => removeTreeNow(target));
}

/** Removes the files that exist among `files`, one after another (not behind removeTree's queue). */
export async function removeFiles(files: readonly string[]): Promise<void> {
  for (const f of files) await unlinkQuietly(f);
}
