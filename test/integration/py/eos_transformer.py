# Consume-transform-produce with exactly-once semantics (confluent-kafka-python):
# reads params.input partition 0 from the group's committed offset, writes each
# value + "-out" to params.output partition 0, and commits the consumed position
# with send_offsets_to_transaction in the same transaction, params.batch records
# per transaction. Prints "committed <offset>" after each commit and "done" once
# the committed position reaches params.total. The test kills it with SIGKILL at
# random moments and starts it again; a new instance fences the old one
# (init_transactions with the same transactional.id).

import json
import sys

from confluent_kafka import OFFSET_STORED, Consumer, KafkaError, Producer, TopicPartition

P = json.loads(sys.argv[1])

c = Consumer({
    'bootstrap.servers': P['bootstrap'],
    'group.id': P['group'],
    'isolation.level': 'read_committed',
    'enable.auto.commit': False,
    'enable.partition.eof': True,
    'auto.offset.reset': 'earliest',
})
p = Producer({
    'bootstrap.servers': P['bootstrap'],
    'transactional.id': P['transactional_id'],
    'linger.ms': 2,
    'transaction.timeout.ms': 10000,
})
p.init_transactions(30)
tp = TopicPartition(P['input'], 0, OFFSET_STORED)
c.assign([tp])
total = P['total']
position = -1
while True:
    msgs = c.consume(num_messages=P.get('batch', 100), timeout=1.0)
    records = [m for m in msgs if not m.error()]
    for m in msgs:
        if m.error() and m.error().code() != KafkaError._PARTITION_EOF:
            raise Exception(m.error())
    if not records:
        if position >= total:
            break
        continue
    p.begin_transaction()
    for m in records:
        p.produce(P['output'], value=m.value() + b'-out', partition=0)
    pos = c.position([TopicPartition(P['input'], 0)])
    p.send_offsets_to_transaction(pos, c.consumer_group_metadata(), 30)
    p.commit_transaction(30)
    position = pos[0].offset
    print('committed', position, flush=True)
    if position >= total:
        break
print('done', flush=True)
c.close()
