# Transactions with confluent-kafka-python (librdkafka) against a Samsa broker.
# Run as: python3 transactions.py <action> '<json params>'; prints one JSON
# document on its last line. Actions:
#   produce   a transactional producer runs the transactions in params.txns in order,
#             each {"values": [...], "commit": bool, "partition": n?}
#   consume   an assign()-based consumer with params.isolation reads every partition
#             of params.topic from the beginning to its end; values per partition
#   transform reads params.input (partition 0) with a read_committed consumer, writes each value
#             upper-cased to params.output and the consumed position with send_offsets_to_transaction
#             in one transaction, committed or aborted (params.commit); then reports the group's
#             committed offset, as a fresh consumer sees it
#   hang      a transactional producer begins a transaction, produces, flushes and
#             exits without ending it (its timeout aborts it)

import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

ACTION = sys.argv[1]
P = json.loads(sys.argv[2])


def producer(extra=None):
    conf = {
        'bootstrap.servers': P['bootstrap'],
        'transactional.id': P['transactional_id'],
        'linger.ms': 5,
    }
    conf.update(extra or {})
    return Producer(conf)


def produce():
    p = producer({'transaction.timeout.ms': P.get('timeout', 60000)})
    p.init_transactions(30)
    done = []
    for txn in P['txns']:
        p.begin_transaction()
        for v in txn['values']:
            kw = {'partition': txn['partition']} if 'partition' in txn else {}
            p.produce(P['topic'], value=v.encode(), **kw)
        # Delivered first, so that an aborted transaction's records do reach the log (abort would purge queued ones).
        p.flush(30)
        if txn['commit']:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)
        done.append(txn['commit'])
    p.flush(10)
    print(json.dumps({'done': done}))


def hang():
    p = producer({'transaction.timeout.ms': P.get('timeout', 60000)})
    p.init_transactions(30)
    p.begin_transaction()
    for v in P['values']:
        p.produce(P['topic'], value=v.encode(), partition=P.get('partition', 0))
    p.flush(10)
    print(json.dumps({'hung': True}))


def consume():
    c = Consumer({
        'bootstrap.servers': P['bootstrap'],
        'group.id': P.get('group', 'txn-reader'),
        'isolation.level': P['isolation'],
        'enable.auto.commit': False,
        'enable.partition.eof': True,
        'auto.offset.reset': 'earliest',
    })
    parts = P.get('partitions', [0])
    c.assign([TopicPartition(P['topic'], p, 0) for p in parts])
    out = {str(p): [] for p in parts}
    eof = set()
    deadline = time.time() + P.get('timeout_s', 20)
    while len(eof) < len(parts) and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof.add(m.partition())
                continue
            raise KafkaException(m.error())
        eof.discard(m.partition())
        out[str(m.partition())].append(m.value().decode())
    positions = {str(tp.partition): tp.offset for tp in c.position([TopicPartition(P['topic'], p) for p in parts])}
    c.close()
    print(json.dumps({'values': out, 'eof': sorted(eof), 'positions': positions}))


def transform():
    c = Consumer({
        'bootstrap.servers': P['bootstrap'],
        'group.id': P['group'],
        'isolation.level': 'read_committed',
        'enable.auto.commit': False,
        'enable.partition.eof': True,
        'auto.offset.reset': 'earliest',
    })
    tp = TopicPartition(P['input'], 0)
    committed = c.committed([tp], 10)[0].offset
    c.assign([TopicPartition(P['input'], 0, committed if committed >= 0 else 0)])
    values = []
    deadline = time.time() + 20
    while time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                break
            raise KafkaException(m.error())
        values.append(m.value().decode())
        if len(values) >= P['count']:
            break
    position = c.position([tp])[0].offset
    p = producer()
    p.init_transactions(30)
    p.begin_transaction()
    for v in values:
        p.produce(P['output'], value=v.upper().encode(), partition=0)
    p.send_offsets_to_transaction([TopicPartition(P['input'], 0, position)], c.consumer_group_metadata(), 30)
    p.flush(30)
    if P['commit']:
        p.commit_transaction(30)
    else:
        p.abort_transaction(30)
    c.close()
    check = Consumer({'bootstrap.servers': P['bootstrap'], 'group.id': P['group'], 'enable.auto.commit': False})
    after = check.committed([TopicPartition(P['input'], 0)], 10)[0].offset
    check.close()
    print(json.dumps({'consumed': values, 'position': position, 'committed': after}))


{'produce': produce, 'consume': consume, 'hang': hang, 'transform': transform}[ACTION]()
