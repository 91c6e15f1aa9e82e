// writevAll and writevAllSync keep writing after short writes, picking up in
// the middle of a buffer, and skip empty buffers, so the file holds exactly the
// bytes given, at the position given.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { writevAll, writevAllSync } from '../../../src/storage/fs-util.js';
import { rmDir, tmpDir } from './helpers.js';

const bufs = () => [Buffer.from('hello '), Buffer.alloc(0), Buffer.from('short'), Buffer.from(' writes'), Buffer.alloc(0), Buffer.from('!')];
const expected = 'XXhello short writes!';

/** fs.writev / fs.writevSync that write at most 4 bytes per call. */
function shortWrites(): () => void {
  const writev = fs.writev;
  const writevSync = fs.writevSync;
  const clip = (iov: Buffer[]) => [Buffer.concat(iov).subarray(0, 4)];
  (fs as { writev: unknown }).writev = (fd: number, iov: Buffer[], pos: number, cb: (e: Error | null, n: number) => void) =>
    writev(fd, clip(iov), pos, cb);
  (fs as { writevSync: unknown }).writevSync = (fd: number, iov: Buffer[], pos: number) => writevSync(fd, clip(iov), pos);
  return () => {
    (fs as { writev: unknown }).writev = writev;
    (fs as { writevSync: unknown }).writevSync = writevSync;
  };
}

for (const [name, write] of [
  ['writevAll', (fd: number, b: Buffer[], pos: number) => writevAll(fd, b, pos)],
  ['writevAllSync', async (fd: number, b: Buffer[], pos: number) => writevAllSync(fd, b, pos)],
] as const) {
  test(`${name} completes short writes at the right positions`, async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'XX');
    const fd = fs.openSync(file, 'r+');
    const restore = shortWrites();
    try {
      await write(fd, bufs(), 2);
    } finally {
      restore();
      fs.closeSync(fd);
    }
    assert.equal(fs.readFileSync(file, 'utf8'), expected);
    rmDir(dir);
  });
}
