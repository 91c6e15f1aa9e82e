// The file remover unlinks one file at a time, whatever number of trees are
// queued at once, so that background deletions never hold more than one of
// libuv's four pool threads; a segment's files do not wait behind that queue;
// and it removes everything it is given.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { removeFiles, removeTree } from '../../../src/storage/file-remover.js';
import { rmDir, tmpDir } from './helpers.js';

function makeTree(root: string, dirs: number, files: number): string[] {
  const made: string[] = [];
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(root, `t-${d}-delete`);
    fs.mkdirSync(path.join(dir, 'nested'), { recursive: true });
    for (let f = 0; f < files; f++) {
      const file = path.join(f % 2 ? path.join(dir, 'nested') : dir, `${String(f).padStart(20, '0')}.log`);
      fs.writeFileSync(file, Buffer.alloc(4096, f));
      made.push(file);
    }
  }
  return made;
}

test('removals queued together run one unlink at a time and remove everything', async () => {
  const root = tmpDir('file-remover-');
  const real = fs.promises.unlink;
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  fs.promises.unlink = (async (p: fs.PathLike) => {
    inFlight++;
    calls++;
    most = Math.max(most, inFlight);
    try {
      await new Promise((r) => setImmediate(r));
      return await real(p);
    } finally {
      inFlight--;
    }
  }) as typeof fs.promises.unlink;
  try {
    const files = makeTree(root, 4, 10);
    const loose = [0, 1, 2].map((i) => path.join(root, `loose-${i}.index`));
    for (const f of loose) fs.writeFileSync(f, 'x');
    await Promise.all([0, 1, 2, 3].map((d) => removeTree(path.join(root, `t-${d}-delete`))));
    assert.equal(most, 1, 'more than one unlink was in flight');
    await removeFiles([...loose, path.join(root, 'never-existed.timeindex')]);
    assert.equal(most, 1, 'more than one unlink was in flight');
    assert.equal(calls, files.length + loose.length + 1);
    assert.deepEqual(fs.readdirSync(root), []);
  } finally {
    fs.promises.unlink = real;
    rmDir(root);
  }
});

test('the files of a segment are removed while a large tree removal is still queued', async () => {
  const root = tmpDir('file-remover-');
  const real = fs.promises.unlink;
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let first = true;
  fs.promises.unlink = (async (p: fs.PathLike) => {
    if (first && String(p).includes('t-0-delete')) {
      first = false;
      await held; // the tree's first unlink takes "long"
    }
    return real(p);
  }) as typeof fs.promises.unlink;
  try {
    makeTree(root, 1, 4);
    const segment = ['a.log', 'a.index', 'a.timeindex'].map((n) => path.join(root, n));
    for (const f of segment) fs.writeFileSync(f, 'x');
    const tree = removeTree(path.join(root, 't-0-delete'));
    await removeFiles(segment);
    for (const f of segment) assert.equal(fs.existsSync(f), false);
    release();
    await tree;
    assert.deepEqual(fs.readdirSync(root), []);
  } finally {
    release();
    fs.promises.unlink = real;
    rmDir(root);
  }
});

test('a missing target, a plain file and a failure do not stop later removals', async () => {
  const root = tmpDir('file-remover-');
  try {
    await removeTree(path.join(root, 'gone'));
    const plain = path.join(root, 'plain.log');
    fs.writeFileSync(plain, 'x');
    await removeTree(plain);
    assert.equal(fs.existsSync(plain), false);
    const real = fs.promises.unlink;
    fs.promises.unlink = (async () => {
      throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    }) as typeof fs.promises.unlink;
    const stuck = path.join(root, 'stuck.log');
    fs.writeFileSync(stuck, 'x');
    try {
      await assert.rejects(removeFiles([stuck]), /EIO/);
    } finally {
      fs.promises.unlink = real;
    }
    makeTree(root, 1, 3);
    await removeTree(path.join(root, 't-0-delete'));
    assert.deepEqual(fs.readdirSync(root), ['stuck.log']);
  } finally {
    rmDir(root);
  }
});
