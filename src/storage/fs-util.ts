// Small file-system helpers shared by the storage modules: positional reads and
// writes on numeric file descriptors (promisified callback fs, which is cheaper
// than FileHandle on the hot path and lets us manage fd lifetimes ourselves),
// and atomic file replacement (write a `.tmp` sibling, fsync it, rename it over
// the target, fsync the directory), which is how Kafka writes checkpoints,
// meta.properties and partition.metadata.
//
// No on-disk layout of its own.

import fs from 'node:fs';
import path from 'node:path';

export function openAsync(file: string, flags: string | number, mode = 0o644): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function ftruncateAsync(fd: number, len: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, len, (err) => (err ? reject(err) : resolve())));
}

function writevOnce(fd: number, bufs: Buffer[], position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.writev(fd, bufs, position, (err, written) => (err ? reject(err) : resolve(written))),
  );
}

/** Maximum buffers per writev call (IOV_MAX on Linux is 1024). */
const MAX_IOV = 1024;

/**
 * Where a write of `bufs` stands: next() is the iovec for the bytes not yet
 * written (at most MAX_IOV buffers, the first trimmed of what a short write
 * already took), advance() moves past what a writev wrote.
 */
class IovCursor {
  private i = 0; // next buffer to write
  private skip = 0; // bytes of bufs[i] already written

  constructor(private readonly bufs: Buffer[]) {}

  /** The next iovec, or null when every byte is written. */
  next(): Buffer[] | null {
    const { bufs, i, skip } = this;
    const batch: Buffer[] = [];
    let total = 0;
    for (let k = i; k < bufs.length && batch.length < MAX_IOV; k++) {
      const b = k === i && skip > 0 ? bufs[k]!.subarray(skip) : bufs[k]!;
      batch.push(b);
      total += b.length;
    }
    return total === 0 ? null : batch;
  }

  advance(written: number): void {
    if (written <= 0) throw new Error(`writev wrote ${written} bytes`);
    const bufs = this.bufs;
    written += this.skip;
    while (this.i < bufs.length && written >= bufs[this.i]!.length) written -= bufs[this.i++]!.length;
    this.skip = written;
  }
}

/** Writes every byte of `bufs` at `position`, looping over short writes. */
export async function writevAll(fd: number, bufs: Buffer[], position: number): Promise<void> {
  const cursor = new IovCursor(bufs);
  for (let batch = cursor.next(); batch; batch = cursor.next()) {
    const written = await writevOnce(fd, batch, position);
    cursor.advance(written);
    position += written;
  }
}

/** writevAll on the calling thread (fs.writevSync): for small appends, where the thread-pool hop costs more than the copy. */
export function writevAllSync(fd: number, bufs: Buffer[], position: number): void {
  const cursor = new IovCursor(bufs);
  for (let batch = cursor.next(); batch; batch = cursor.next()) {
    const written = fs.writevSync(fd, batch, position);
    cursor.advance(written);
    position += written;
  }
}

function readOnce(fd: number, buf: Buffer, off: number, len: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buf, off, len, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** Allocates a Buffer of at least `size` bytes for a read (a pooled one on the network fetch path). */
export type ReadAlloc = (size: number) => Buffer;

/**
 * Reads exactly `len` bytes at `position`, into a fresh Buffer or one from
 * `alloc`; fewer only at end of file. The result is a view of that buffer.
 */
export async function readAt(fd: number, position: number, len: number, alloc?: ReadAlloc): Promise<Buffer> {
  const buf = alloc ? alloc(len) : Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = await readOnce(fd, buf, got, len - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

/** Writes `buf` entirely at `position`. */
export async function writeAt(fd: number, buf: Buffer, position: number): Promise<void> {
  await writevAll(fd, [buf], position);
}

export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; Kafka ignores that too.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = await openAsync(dir, 'r');
    await fsyncAsync(fd);
  } catch {
    // ignored, as above
  } finally {
    if (fd !== undefined) await closeAsync(fd).catch(() => {});
  }
}

/** Replaces `file` atomically with `content`: tmp file, fsync, rename, fsync of the directory. */
export async function writeFileAtomic(file: string, content: string | Buffer): Promise<void> {
  const tmp = file + '.tmp';
  const fd = await openAsync(tmp, 'w');
  try {
    await writeAt(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content, 0);
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
  await fs.promises.rename(tmp, file);
  await fsyncDir(path.dirname(file));
}

/** Synchronous twin of writeFileAtomic, for start-up and shutdown. */
export function writeFileAtomicSync(file: string, content: string | Buffer): void {
  const tmp = file + '.tmp';
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirSync(path.dirname(file));
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
