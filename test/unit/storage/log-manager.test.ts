import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LogManager, parseTopicPartitionDir } from '../../../src/storage/log-manager.js';
import { randomUuid, readMetaPropertiesSync } from '../../../src/storage/meta-properties.js';
import { InconsistentMetaPropertiesError } from '../../../src/storage/errors.js';
import { batchOf, config, rmDir, tmpDir } from './helpers.js';

function dirs(root: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => path.join(root, `d${i}`));
}

test('open formats empty log dirs with one cluster id, the node id and distinct directory ids', async () => {
  const root = tmpDir();
  try {
    const logDirs = dirs(root, 2);
    const mgr = await LogManager.open({ logDirs, nodeId: 5, defaultConfig: config(), checkpointIntervalMs: 0 });
    assert.match(mgr.clusterId, /^[A-Za-z0-9_-]{22}$/);
    const metas = logDirs.map((d) => readMetaPropertiesSync(d)!);
    for (const m of metas) {
      assert.equal(m.version, 1);
      assert.equal(m.clusterId, mgr.clusterId);
      assert.equal(m.nodeId, 5);
      assert.match(m.directoryId!, /^[A-Za-z0-9_-]{22}$/);
    }
    assert.notEqual(metas[0]!.directoryId, metas[1]!.directoryId);
    const text = fs.readFileSync(path.join(logDirs[0]!, 'meta.properties'), 'utf8').split('\n');
    assert.equal(text[0], '#');
    assert.match(text[1]!, /^#\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}$/);
    assert.ok(text.includes('version=1'));
    assert.ok(text.includes('node.id=5'));
    await mgr.close();
    // Reopening keeps the same identity.
    const again = await LogManager.open({ logDirs, nodeId: 5, defaultConfig: config(), checkpointIntervalMs: 0 });
    assert.equal(again.clusterId, mgr.clusterId);
    assert.deepEqual(again.directoryIds, mgr.directoryIds);
    await again.close();
  } finally {
    rmDir(root);
  }
});

test('meta.properties consistency errors: node id, configured cluster id, cluster ids across dirs', async () => {
  const root = tmpDir();
  try {
    const logDirs = dirs(root, 2);
    const mgr = await LogManager.open({ logDirs, nodeId: 1, defaultConfig: config(), checkpointIntervalMs: 0 });
    await mgr.close();
    await assert.rejects(
      LogManager.open({ logDirs, nodeId: 2, defaultConfig: config() }),
      (err: Error) =>
        err instanceof InconsistentMetaPropertiesError && /Stored node id 1 doesn't match previous node id 2/.test(err.message),
    );
    await assert.rejects(
      LogManager.open({ logDirs, nodeId: 1, clusterId: randomUuid(), defaultConfig: config() }),
      /Invalid cluster.id in: .*meta.properties\. Expected/,
    );
    // A third dir from another cluster.
    const other = path.join(root, 'other');
    const o = await LogManager.open({ logDirs: [other], nodeId: 1, defaultConfig: config(), checkpointIntervalMs: 0 });
    await o.close();
    await assert.rejects(
      LogManager.open({ logDirs: [...logDirs, other], nodeId: 1, defaultConfig: config() }),
      /Invalid cluster.id/,
    );
    // Duplicate directory ids (a copied log dir).
    const copy = path.join(root, 'copy');
    fs.mkdirSync(copy);
    fs.copyFileSync(path.join(logDirs[0]!, 'meta.properties'), path.join(copy, 'meta.properties'));
    await assert.rejects(
      LogManager.open({ logDirs: [...logDirs, copy], nodeId: 1, defaultConfig: config() }),
      /Duplicate directory ID/,
    );
    // A configured cluster id is used for new dirs; a dir lacking directory.id gets one.
    const fresh = path.join(root, 'fresh');
    const cid = randomUuid();
    fs.mkdirSync(fresh);
    fs.writeFileSync(path.join(fresh, 'meta.properties'), `version=1\ncluster.id=${cid}\nnode.id=9\n`);
    const f = await LogManager.open({ logDirs: [fresh], nodeId: 9, clusterId: cid, defaultConfig: config(), checkpointIntervalMs: 0 });
    assert.equal(f.clusterId, cid);
    assert.ok(readMetaPropertiesSync(fresh)!.directoryId);
    await f.close();
  } finally {
    rmDir(root);
  }
});

test('createLog spreads partitions, writes partition.metadata; reopen finds them with checkpoints', async () => {
  const root = tmpDir();
  try {
    const logDirs = dirs(root, 2);
    const mgr = await LogManager.open({ logDirs, nodeId: 1, defaultConfig: config(), checkpointIntervalMs: 0 });
    const topicId = randomUuid();
    const logs = [];
    for (let p = 0; p < 4; p++) logs.push(await mgr.createLog('orders', p, topicId, config()));
    assert.equal(await mgr.createLog('orders', 0, topicId, config()), logs[0], 'idempotent');
    await assert.rejects(mgr.createLog('orders', 0, randomUuid(), config()), /belongs to topic id/);
    const perDir = mgr.logDirs().map((d) => d.partitions.length);
    assert.deepEqual(perDir, [2, 2]);
    for (const d of mgr.logDirs()) {
      assert.ok(d.totalBytes > 0 && d.usableBytes > 0 && d.usableBytes <= d.totalBytes);
    }
    assert.equal(
      fs.readFileSync(path.join(logs[0]!.dir, 'partition.metadata'), 'utf8'),
      `version: 0\ntopic_id: ${topicId}`,
    );
    for (const log of logs) await log.append(batchOf(3)).written;
    await logs[1]!.deleteRecordsBefore(2);
    assert.equal(mgr.logDirs().flatMap((d) => d.partitions).find((p) => p.partition === 0)!.size, logs[0]!.sizeInBytes);
    await mgr.close();

    // Clean shutdown: marker and checkpoints.
    for (const d of logDirs) {
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(d, '.kafka_cleanshutdown'), 'utf8')), {
        version: 0,
        brokerEpoch: -1,
      });
    }
    const rpFiles = logDirs.map((d) => fs.readFileSync(path.join(d, 'recovery-point-offset-checkpoint'), 'utf8'));
    const lines = rpFiles.flatMap((t) => t.split('\n').slice(2).filter(Boolean)).sort();
    assert.deepEqual(lines, ['orders 0 3', 'orders 1 3', 'orders 2 3', 'orders 3 3']);
    for (const t of rpFiles) assert.match(t, /^0\n2\n/);
    const lso = logDirs.map((d) => fs.readFileSync(path.join(d, 'log-start-offset-checkpoint'), 'utf8')).join('');
    assert.ok(lso.includes('orders 1 2\n'));
    assert.ok(!lso.includes('orders 0 '));

    const again = await LogManager.open({ logDirs, nodeId: 1, defaultConfig: config(), checkpointIntervalMs: 0 });
    assert.deepEqual(
      [...again.hadCleanShutdown.values()],
      [true, true],
    );
    for (const d of logDirs) assert.equal(fs.existsSync(path.join(d, '.kafka_cleanshutdown')), false, 'marker removed at start-up');
    const found = again.existingPartitions().sort((a, b) => a.partition - b.partition);
    assert.deepEqual(
      found.map((p) => [p.topic, p.partition, p.topicId]),
      [0, 1, 2, 3].map((p) => ['orders', p, topicId]),
    );
    assert.equal(again.getLog('orders', 1)!.logStartOffset, 2);
    assert.equal(again.getLog('orders', 2)!.logEndOffset, 3);
    assert.equal(again.getLog('orders', 2)!.loadStats.recoveredSegments, 0);
    // Unclean: no marker → recovery from the checkpointed recovery point.
    await again.getLog('orders', 2)!.append(batchOf(2)).written;
    await again.checkpoint();
    for (const log of again.allLogs()) await log.closeHandles(); // crash
    const crashed = await LogManager.open({ logDirs, nodeId: 1, defaultConfig: config(), checkpointIntervalMs: 0 });
    assert.deepEqual([...crashed.hadCleanShutdown.values()], [false, false]);
    assert.equal(crashed.getLog('orders', 2)!.logEndOffset, 5);
    assert.equal(crashed.getLog('orders', 2)!.loadStats.recoveredSegments, 1);
    await crashed.close();
  } finally {
    rmDir(root);
  }
});

test('deleteLog renames the directory to <topic>-<partition>.<uuid>-delete and removes it', async () => {
  const root = tmpDir();
  try {
    const logDirs = dirs(root, 1);
    const mgr = await LogManager.open({ logDirs, nodeId: 1, defaultConfig: config(), checkpointIntervalMs: 0 });
    const id = randomUuid();
    const log = await mgr.createLog('gone', 0, id, config());
    const pending = log.append(batchOf(2)).written;
    await mgr.deleteLog('gone', 0);
    await pending;
    assert.equal(mgr.getLog('gone', 0), undefined);
    const names = fs.readdirSync(logDirs[0]!);
    assert.ok(!names.includes('gone-0'));
    const renamed = names.filter((n) => n.endsWith('-delete'));
    for (const n of renamed) assert.match(n, /^gone-0\.[0-9a-f]{32}-delete$/);
    await mgr.awaitDeletions();
    assert.deepEqual(
      fs.readdirSync(logDirs[0]!).filter((n) => n.startsWith('gone')),
      [],
    );
    // Re-creating the same partition starts empty.
    const fresh = await mgr.createLog('gone', 0, randomUuid(), config());
    assert.equal(fresh.logEndOffset, 0);
    // A leftover -delete dir is removed at start-up.
    fs.mkdirSync(path.join(logDirs[0]!, 'old-3.0123456789abcdef0123456789abcdef-delete'));
    await mgr.close();
    const again = await LogManager.open({ logDirs, nodeId: 1, defaultConfig: config(), checkpointIntervalMs: 0 });
    await again.awaitDeletions();
    assert.ok(!fs.readdirSync(logDirs[0]!).some((n) => n.endsWith('-delete')));
    assert.deepEqual(again.existingPartitions().map((p) => `${p.topic}-${p.partition}`), ['gone-0']);
    await again.close();
  } finally {
    rmDir(root);
  }
});

test('partition directory names', () => {
  assert.deepEqual(parseTopicPartitionDir('my-topic-12'), { topic: 'my-topic', partition: 12 });
  assert.deepEqual(parseTopicPartitionDir('__consumer_offsets-3'), { topic: '__consumer_offsets', partition: 3 });
  assert.equal(parseTopicPartitionDir('t-1.abcdef-delete'), null);
  assert.equal(parseTopicPartitionDir('t-1.abcdef-future'), null);
  assert.equal(parseTopicPartitionDir('no_partition'), null);
  assert.equal(parseTopicPartitionDir('-1'), null);
});
