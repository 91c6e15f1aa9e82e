// kafka-transactions' pieces that need no broker: argparse4j's sub-command
// parsing (namespaces as argparse4j 0.7.0 gives them for the tool's
// definitions) and the Java hash orders the tool prints in (expected orders
// printed by a JVM's HashSet<TopicPartition> and HashMap<Long, …>).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildParser, hashSetOrder, producerIdOrder } from '../../src/cli/transactions.js';

const neverVersion = (): never => {
  throw new Error('--version not expected');
};

test('sub-command parsing: flag and command prefixes, --x=v, negative numbers as values', () => {
  const p = buildParser();
  let { ns } = p.parseCommand(['--boot=b', 'describe-p', '--top', 't', '--partition=3'], neverVersion);
  assert.deepEqual(
    { partition: ns.partition, broker_id: ns.broker_id, topic: ns.topic, bootstrap_server: ns.bootstrap_server, command_config: ns.command_config, command: ns.command },
    { partition: 3, broker_id: null, topic: 't', bootstrap_server: 'b', command_config: null, command: 'describe-producers' },
  );
  ({ ns } = buildParser().parseCommand(['--command-config', 'f', '--bootstrap-server', 'b', 'abort', '--topic', 't', '--partition', '0', '--start-offset', '-5'], neverVersion));
  assert.equal(ns.command, 'abort');
  assert.equal(ns.start_offset, -5);
  assert.equal(ns.command_config, 'f');
  assert.equal(ns.producer_id, null);
  ({ ns } = buildParser().parseCommand(['--bootstrap-server', 'b', 'list', '--duration-filter', '-1'], neverVersion));
  assert.equal(ns.duration_filter, -1);
  let versions = 0;
  assert.throws(
    () =>
      buildParser().parseCommand(['-v', '--bogus'], () => {
        versions++;
        throw new Error('version printed');
      }),
    /version printed/,
  );
  assert.equal(versions, 1, '-v acts as soon as it is seen, before later errors');
  assert.throws(() => buildParser().parseCommand(['--bootstrap-server', 'b', 'list', '--transactional-id', 'x'], neverVersion), /unrecognized arguments: '--transactional-id'/);
  assert.throws(() => buildParser().parseCommand(['--bootstrap-server', 'b', '--', 'list'], neverVersion), { message: "unrecognized arguments: 'list'" });
});

test("a transaction's partitions in java.util.HashSet order", () => {
  const tps = ['orders', 'payments', 'txn-open', 'a'].flatMap((topic) => Array.from({ length: 6 }, (_, partition) => ({ topic, partition })));
  assert.equal(
    hashSetOrder(tps)
      .map((tp) => `${tp.topic}-${tp.partition}`)
      .join(','),
    'payments-4,a-2,payments-3,a-1,a-0,payments-5,payments-0,payments-2,payments-1,orders-0,txn-open-0,orders-1,txn-open-1,orders-2,txn-open-2,orders-3,txn-open-3,orders-4,txn-open-4,a-5,orders-5,txn-open-5,a-4,a-3',
  );
});

test('producer ids in java.util.HashMap<Long, …> order', () => {
  assert.deepEqual(producerIdOrder([5000, 17, 3, 2 ** 33, 42, 1001]), [17, 2 ** 33, 3, 5000, 1001, 42]);
});
