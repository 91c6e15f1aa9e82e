// Consume-transform-produce with exactly-once semantics, on the Samsa client,
// as a process of its own (run by client-eos-crash.test.ts from
// dist/test/integration/, so it uses the built client in dist/src/):
// reads params.input partition 0 from the group's committed offset with a
// read_committed consumer (assign(), no group membership, as
// py/eos_transformer.py), writes each value + "-out" to params.output
// partition 0, and commits the consumed position with sendOffsetsToTransaction
// in the same transaction, up to params.batch records per transaction.
// With params.hold_ms, each transaction waits for its records to be
// acknowledged and then 0 to hold_ms ms more before it commits (a slow
// transform step), so that a kill often finds records of an open transaction
// in the output's log.
// Prints "committed <offset>" after each commit and "done" once the position
// reaches params.total. The test kills it with SIGKILL at random moments and
// starts it again; initTransactions() of the new instance fences the old one
// and aborts its open transaction.

import { Consumer, Producer } from '../../src/index.js';

interface Params {
  bootstrap: string;
  input: string;
  output: string;
  group: string;
  transactional_id: string;
  total: number;
  batch: number;
  hold_ms?: number;
}

const P = JSON.parse(process.argv[2]!) as Params;
const SUFFIX = Buffer.from('-out');
const tp = { topic: P.input, partition: 0 };

const consumer = new Consumer({
  bootstrapServers: P.bootstrap,
  groupId: P.group,
  isolationLevel: 'read_committed',
  enableAutoCommit: false,
  autoOffsetReset: 'earliest',
  maxPollRecords: P.batch,
});
const producer = new Producer({ bootstrapServers: P.bootstrap, transactionalId: P.transactional_id, lingerMs: 2, transactionTimeoutMs: 10_000 });

// Before reading the committed offset: a transaction of a killed predecessor is finished first.
await producer.initTransactions();
consumer.assign([tp]);
for (;;) {
  const records = await consumer.poll(1000);
  if (records.length === 0) {
    if ((await consumer.position(tp)) >= P.total) break;
    continue;
  }
  producer.beginTransaction();
  const sends = records.map((r) => producer.send({ topic: P.output, partition: 0, value: Buffer.concat([r.value ?? Buffer.alloc(0), SUFFIX]) }));
  const position = records.at(-1)!.offset + 1;
  if (P.hold_ms) {
    await Promise.all(sends);
    await new Promise((r) => setTimeout(r, Math.random() * P.hold_ms!));
  }
  await producer.sendOffsetsToTransaction([{ ...tp, offset: position }], consumer.groupMetadata()!);
  await producer.commitTransaction();
  await Promise.all(sends);
  process.stdout.write(`committed ${position}\n`);
  if (position >= P.total) break;
}
process.stdout.write('done\n');
await producer.close();
await consumer.close();
