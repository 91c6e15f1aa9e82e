import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  formatOffsetCheckpoint,
  parseOffsetCheckpoint,
  readOffsetCheckpointSync,
  writeOffsetCheckpoint,
} from '../../../src/storage/checkpoints.js';
import {
  formatPartitionMetadata,
  parsePartitionMetadata,
  readPartitionMetadataSync,
  writePartitionMetadata,
} from '../../../src/storage/partition-metadata.js';
import {
  formatMetaProperties,
  javaDateString,
  parseMetaProperties,
  parseProperties,
  randomUuid,
} from '../../../src/storage/meta-properties.js';
import { rmDir, tmpDir } from './helpers.js';

test('offset checkpoint: Kafka layout "0", count, "topic partition offset" lines', async () => {
  const entries = [
    { topic: 'orders', partition: 0, offset: 1234 },
    { topic: 'my.topic-x', partition: 12, offset: 0 },
  ];
  const text = formatOffsetCheckpoint(entries);
  assert.equal(text, '0\n2\norders 0 1234\nmy.topic-x 12 0\n');
  assert.deepEqual(parseOffsetCheckpoint(text, 'x'), entries);
  assert.equal(formatOffsetCheckpoint([]), '0\n0\n');
  assert.deepEqual(parseOffsetCheckpoint('', 'x'), []);
  assert.throws(() => parseOffsetCheckpoint('1\n0\n', 'x'), /Unrecognised version/);
  assert.throws(() => parseOffsetCheckpoint('0\n2\na 0 1\n', 'x'), /Expected \[2\] entries/);
  assert.throws(() => parseOffsetCheckpoint('0\n1\na zero 1\n', 'x'), /Malformed line/);
  assert.throws(() => parseOffsetCheckpoint('0\nnope\n', 'x'), /Malformed line/);

  const dir = tmpDir();
  try {
    const file = path.join(dir, 'recovery-point-offset-checkpoint');
    assert.deepEqual(readOffsetCheckpointSync(file), []);
    await writeOffsetCheckpoint(file, entries);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    assert.deepEqual(readOffsetCheckpointSync(file), entries);
    assert.deepEqual(fs.readdirSync(dir), ['recovery-point-offset-checkpoint'], 'no tmp file left behind');
  } finally {
    rmDir(dir);
  }
});

test('partition.metadata: "version: 0\\ntopic_id: <uuid>"', async () => {
  const id = randomUuid();
  assert.equal(formatPartitionMetadata(id), `version: 0\ntopic_id: ${id}`);
  assert.deepEqual(parsePartitionMetadata(`version: 0\ntopic_id: ${id}`, 'x'), { version: 0, topicId: id });
  assert.throws(() => parsePartitionMetadata('version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA', 'x'), /Invalid topic ID/);
  assert.throws(() => parsePartitionMetadata('version: 0\ntopic_id: nope', 'x'), /Malformed/);
  assert.throws(() => parsePartitionMetadata('version 0 1\n', 'x'), /Malformed/);
  const dir = tmpDir();
  try {
    assert.equal(readPartitionMetadataSync(dir), null);
    await writePartitionMetadata(dir, id);
    assert.equal(fs.readFileSync(path.join(dir, 'partition.metadata'), 'utf8'), `version: 0\ntopic_id: ${id}`);
    assert.equal(readPartitionMetadataSync(dir), id);
  } finally {
    rmDir(dir);
  }
});

test('meta.properties: Java properties layout and parsing', () => {
  const now = new Date(Date.UTC(2024, 9, 25, 3, 33, 1));
  assert.equal(javaDateString(now), 'Fri Oct 25 03:33:01 UTC 2024');
  const text = formatMetaProperties(
    { version: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg', nodeId: 3, directoryId: 'b5oOV6tqR3S0J_fRPbo2aQ' },
    now,
  );
  assert.equal(
    text,
    '#\n#Fri Oct 25 03:33:01 UTC 2024\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\n' +
      'directory.id=b5oOV6tqR3S0J_fRPbo2aQ\nnode.id=3\nversion=1\n',
  );
  assert.deepEqual(parseMetaProperties(text, 'x'), {
    version: 1,
    clusterId: 'MkU3OEVBNTcwNTJENDM2Qg',
    nodeId: 3,
    directoryId: 'b5oOV6tqR3S0J_fRPbo2aQ',
  });
  // A v0 (ZooKeeper) file as Kafka 2.x wrote it.
  assert.deepEqual(parseMetaProperties('#\n#Tue Jan 01 00:00:00 UTC 2019\nversion=0\nbroker.id=7\ncluster.id=abc\n', 'x'), {
    version: 0,
    clusterId: 'abc',
    nodeId: 7,
  });
  assert.throws(() => parseMetaProperties('version=1\ncluster.id=abc\n', 'x'), /node.id/);
  assert.throws(() => parseMetaProperties('version=1\nnode.id=1\n', 'x'), /cluster.id/);
  assert.throws(() => parseMetaProperties('version=2\n', 'x'), /version/);
  // Properties syntax: separators, escapes, continuations, comments.
  const p = parseProperties('! comment\n  a = 1\nb:2\nc 3\nd=x\\\n   y\ne=\\u0041\\=\\:\n');
  assert.deepEqual(Object.fromEntries(p), { a: '1', b: '2', c: '3', d: 'xy', e: 'A=:' });
  for (let i = 0; i < 50; i++) {
    const id = randomUuid();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
  }
});
