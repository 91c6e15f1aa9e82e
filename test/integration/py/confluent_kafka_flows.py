# Flows driven with confluent-kafka-python 1.7.0 (Debian's python3-confluent-kafka,
# on librdkafka 2.0.2) against a Samsa broker. Run as:
#   python3 confluent_kafka_flows.py <action> '<json params>'
# Each action prints one JSON document on its last line; the TypeScript test
# (test/integration/confluent-kafka.test.ts) makes every assertion on it.

import ctypes
import json
import logging
import sys
import time

from confluent_kafka import (OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaException, Producer,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

P = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
BOOTSTRAP = P.get('bootstrap')
TIMEOUT = 15


def s(b):
    return None if b is None else b.decode('utf-8')


def enc(x):
    return None if x is None else x.encode('utf-8')


def kerr(e):
    """A KafkaException (or KafkaError) as {code, name, message}."""
    ke = e.args[0] if isinstance(e, KafkaException) else e
    return {'code': ke.code(), 'name': ke.name(), 'message': ke.str()}


def futures(fs):
    """{name: None on success, or the error} for a dict of admin futures."""
    out = {}
    for k, f in fs.items():
        try:
            f.result()
            out[str(k)] = None
        except KafkaException as e:
            out[str(k)] = kerr(e)
    return out


def headers_of(m):
    hs = m.headers() or []
    # confluent-kafka-python < 1.8.2 returns None header values without taking a reference to
    # None (its issue #1191): the interpreter then aborts with "deallocating None" at exit.
    # Take the reference it forgot, once per None value handed out.
    for _k, v in hs:
        if v is None:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return [[k, s(v)] for k, v in hs]


def msg(m):
    ts_type, ts = m.timestamp()
    return {
        'topic': m.topic(),
        'partition': m.partition(),
        'offset': m.offset(),
        'key': s(m.key()),
        'value': s(m.value()),
        'headers': headers_of(m),
        'timestamp': ts,
        'timestamp_type': ts_type,
    }


class Captured(logging.Handler):
    """Collects librdkafka's log lines (with debug=msg it says when it declines to compress)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def logger(name):
    log = logging.getLogger(name)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    cap = Captured()
    log.addHandler(cap)
    return log, cap


def admin():
    return AdminClient({'bootstrap.servers': BOOTSTRAP})


def consumer(**extra):
    conf = {'bootstrap.servers': BOOTSTRAP, 'group.id': 'samsa-test-assign-only', 'enable.auto.commit': False,
            'enable.partition.eof': False}
    conf.update(extra)
    return Consumer(conf)


def poll_n(c, n, timeout_s=30):
    got = []
    deadline = time.time() + timeout_s
    while len(got) < n and time.time() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            raise KafkaException(m.error())
        got.append(msg(m))
    return got


def consume_all(topic, partitions, n):
    c = consumer()
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    got = poll_n(c, n)
    c.close()
    return sorted(got, key=lambda r: (r['partition'], r['offset']))


def configs_of(fs):
    out = {}
    for res, f in fs.items():
        entries = f.result()
        out[res.name] = {
            k: {'value': v.value, 'source': v.source, 'read_only': v.is_read_only, 'is_default': v.is_default,
                'sensitive': v.is_sensitive,
                'synonyms': [[x.name, x.value, x.source] for x in v.synonyms.values()]}
            for k, v in entries.items()
        }
    return out


# ---------------------------------------------------------------- admin

def act_admin_create_describe():
    a = admin()
    topic = P['topic']
    created = futures(a.create_topics([NewTopic(topic, P['partitions'], 1, config=P['configs'])], operation_timeout=TIMEOUT))
    dup = futures(a.create_topics([NewTopic(topic, 1, 1)], operation_timeout=TIMEOUT))
    validate_only = futures(a.create_topics([NewTopic(topic + '-dry', 2, 1)], validate_only=True, operation_timeout=TIMEOUT))
    bad_rf = futures(a.create_topics([NewTopic(topic + '-rf', 1, 3)], operation_timeout=TIMEOUT))
    md = a.list_topics(timeout=TIMEOUT)
    topics = {
        name: {
            'error': None if t.error is None else kerr(t.error),
            'partitions': {str(p.id): {'leader': p.leader, 'replicas': p.replicas, 'isrs': p.isrs,
                                       'error': None if p.error is None else kerr(p.error)}
                           for p in t.partitions.values()},
        }
        for name, t in md.topics.items()
    }
    brokers = {str(b.id): [b.host, b.port] for b in md.brokers.values()}
    cfg = configs_of(a.describe_configs([ConfigResource('topic', topic), ConfigResource('broker', str(P['node_id']))],
                                        request_timeout=TIMEOUT))
    return {'created': created, 'duplicate': dup, 'validate_only': validate_only, 'bad_rf': bad_rf,
            'topics': topics, 'brokers': brokers, 'controller_id': md.controller_id,
            'cluster_id': md.cluster_id, 'configs': cfg}


def act_admin_alter_configs():
    a = admin()
    topic = P['topic']
    futures(a.create_topics([NewTopic(topic, 1, 1, config={'cleanup.policy': 'compact', 'retention.ms': '3600000'})],
                            operation_timeout=TIMEOUT))
    alter = futures(a.alter_configs([ConfigResource('topic', topic, set_config={'retention.ms': '7200000',
                                                                                'segment.bytes': '2097152'})]))
    after = configs_of(a.describe_configs([ConfigResource('topic', topic)]))
    bad = futures(a.alter_configs([ConfigResource('topic', topic, set_config={'cleanup.policy': 'sometimes'})]))
    validate_only = futures(a.alter_configs([ConfigResource('topic', topic, set_config={'retention.ms': '1'})],
                                            validate_only=True))
    after_validate = configs_of(a.describe_configs([ConfigResource('topic', topic)]))
    broker = str(P['node_id'])
    broker_alter = futures(a.alter_configs([ConfigResource('broker', broker, set_config={'log.cleaner.threads': '2'})]))
    after_broker = configs_of(a.describe_configs([ConfigResource('broker', broker)]))
    futures(a.alter_configs([ConfigResource('broker', broker, set_config={})]))
    reset_broker = configs_of(a.describe_configs([ConfigResource('broker', broker)]))
    pick = lambda cfg, name, keys: {k: cfg[name][k] for k in keys}
    return {
        'alter': alter,
        'after': pick(after, topic, ['retention.ms', 'segment.bytes', 'cleanup.policy']),
        'bad': bad,
        'validate_only': validate_only,
        'after_validate': pick(after_validate, topic, ['retention.ms']),
        'broker_alter': broker_alter,
        'after_broker': pick(after_broker, broker, ['log.cleaner.threads']),
        'reset_broker': pick(reset_broker, broker, ['log.cleaner.threads']),
    }


def act_admin_partitions_delete():
    a = admin()
    topic = P['topic']
    futures(a.create_topics([NewTopic(topic, 3, 1)], operation_timeout=TIMEOUT))
    grow = futures(a.create_partitions([NewPartitions(topic, 10)], operation_timeout=TIMEOUT))
    parts = sorted(a.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions.keys())
    shrink = futures(a.create_partitions([NewPartitions(topic, 1)], operation_timeout=TIMEOUT))
    unknown = futures(a.create_partitions([NewPartitions(topic + '-nope', 4)], operation_timeout=TIMEOUT))
    deleted = futures(a.delete_topics([topic], operation_timeout=TIMEOUT))
    deadline = time.time() + 20
    while topic in a.list_topics(timeout=TIMEOUT).topics and time.time() < deadline:
        time.sleep(0.1)
    listed_after = list(a.list_topics(timeout=TIMEOUT).topics.keys())
    missing = futures(a.delete_topics([topic + '-nope'], operation_timeout=TIMEOUT))
    return {'grow': grow, 'partitions': parts, 'shrink': shrink, 'unknown': unknown, 'deleted': deleted,
            'listed_after': listed_after, 'missing': missing}


# ---------------------------------------------------------------- producer

def act_produce_consume():
    topic = P['topic']
    n = P['count']
    compression = P.get('compression') or 'none'
    log, cap = logger('producer')
    conf = {'bootstrap.servers': BOOTSTRAP, 'acks': P['acks'], 'compression.type': compression, 'linger.ms': 100,
            'debug': 'msg'}
    prod = Producer(conf, logger=log)
    reports = [None] * n
    sent = []

    def on_delivery(i):
        def cb(err, m):
            ts_type, ts = m.timestamp()
            reports[i] = {'error': None if err is None else kerr(err), 'partition': m.partition(), 'offset': m.offset(),
                          'timestamp': ts, 'timestamp_type': ts_type}
        return cb

    for i in range(n):
        key = 'key-%d' % (i % 5)
        # Compressible even alone: librdkafka sends a batch uncompressed when that is smaller.
        value = '%s record %d %s' % (compression, i, 'abcdefgh' * (5 + i % 25))
        headers = [('seq', enc(str(i))), ('null-header', None), ('seq', b'again')] if i % 2 else []
        ts = P['base_ts'] + i
        prod.produce(topic, key=enc(key), value=enc(value), headers=headers, timestamp=ts, partition=0,
                     on_delivery=on_delivery(i))
        sent.append({'key': key, 'value': value, 'headers': [[k, s(v)] for k, v in headers], 'timestamp': ts})
        prod.poll(0)
    remaining = prod.flush(30)
    got = consume_all(topic, [0], n)
    declined = [l for l in cap.lines if 'does not support compression' in l]
    return {'remaining': remaining, 'sent': sent, 'reports': reports, 'got': got, 'declined': declined}


def act_keyed_partitions():
    topic = P['topic']
    a = admin()
    futures(a.create_topics([NewTopic(topic, P['partitions'], 1)], operation_timeout=TIMEOUT))
    prod = Producer({'bootstrap.servers': BOOTSTRAP, 'partitioner': 'murmur2_random'})
    placed = []

    def cb(err, m):
        placed.append([s(m.key()), m.partition(), m.offset(), None if err is None else kerr(err)])

    for rnd in range(2):
        for k in P['keys']:
            prod.produce(topic, key=enc(k), value=enc('round %d' % rnd), on_delivery=cb)
        prod.flush(30)
    got = consume_all(topic, list(range(P['partitions'])), len(placed))
    return {'placed': placed, 'got': got}


def act_auto_create():
    topic = P['topic']
    prod = Producer({'bootstrap.servers': BOOTSTRAP})
    reports = []
    prod.produce(topic, value=b'auto', on_delivery=lambda err, m: reports.append([None if err is None else kerr(err),
                                                                                   m.partition(), m.offset()]))
    prod.flush(30)
    md = admin().list_topics(topic, timeout=TIMEOUT)
    return {'reports': reports, 'partitions': len(md.topics[topic].partitions),
            'error': None if md.topics[topic].error is None else kerr(md.topics[topic].error)}


def act_log_append_time():
    topic = P['topic']
    a = admin()
    futures(a.create_topics([NewTopic(topic, 1, 1, config={'message.timestamp.type': 'LogAppendTime'})],
                            operation_timeout=TIMEOUT))
    prod = Producer({'bootstrap.servers': BOOTSTRAP, 'linger.ms': 20})
    reports = []
    t0 = int(time.time() * 1000)
    for i in range(5):
        prod.produce(topic, value=enc('lat%d' % i), timestamp=1000000000000 + i, partition=0,
                     on_delivery=lambda err, m: reports.append([m.offset()] + list(m.timestamp())))
    prod.flush(30)
    t1 = int(time.time() * 1000)
    got = consume_all(topic, [0], 5)
    return {'t0': t0, 't1': t1, 'reports': sorted(reports), 'got': got}


# ---------------------------------------------------------------- consumer

def act_consumer_positions():
    topic = P['topic']
    base = P['base_ts']
    n = P['count']
    a = admin()
    futures(a.create_topics([NewTopic(topic, 1, 1)], operation_timeout=TIMEOUT))
    prod = Producer({'bootstrap.servers': BOOTSTRAP, 'acks': 'all'})
    for i in range(n):
        prod.produce(topic, value=enc('v%d' % i), timestamp=base + i * 1000, partition=0)
    prod.flush(30)
    out = {}
    c = consumer()
    out['watermarks'] = list(c.get_watermark_offsets(TopicPartition(topic, 0), timeout=TIMEOUT, cached=False))

    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out['beginning'] = poll_n(c, n)
    c.unassign()

    c.assign([TopicPartition(topic, 0, P['at'])])
    out['at'] = poll_n(c, n - P['at'])
    c.unassign()

    out['offsets_for_times'] = []
    for t in P['times']:
        r = c.offsets_for_times([TopicPartition(topic, 0, t)], timeout=TIMEOUT)[0]
        out['offsets_for_times'].append([r.offset, None if r.error is None else kerr(r.error)])

    # From a timestamp: position with offsets_for_times, then consume.
    r = c.offsets_for_times([TopicPartition(topic, 0, P['times'][2])], timeout=TIMEOUT)[0]
    c.assign([TopicPartition(topic, 0, r.offset)])
    out['from_time'] = poll_n(c, n - r.offset)
    c.unassign()

    # OFFSET_END: only records produced after the consumer is positioned. Produce probes until
    # the consumer sees one (then it is positioned and fetching), then three more records.
    c.assign([TopicPartition(topic, 0, OFFSET_END)])
    seen = []
    deadline = time.time() + 30
    probe = 0
    while not seen and time.time() < deadline:
        prod.produce(topic, value=enc('probe%d' % probe), partition=0)
        prod.flush(30)
        probe += 1
        seen = poll_n(c, 1, timeout_s=0.5)
    for i in range(3):
        prod.produce(topic, value=enc('late%d' % i), partition=0)
    prod.flush(30)
    deadline = time.time() + 30
    while seen[-1:] and seen[-1]['value'] != 'late2' and time.time() < deadline:
        seen += poll_n(c, 1, timeout_s=0.5)
    out['end'] = seen
    out['watermarks_after'] = list(c.get_watermark_offsets(TopicPartition(topic, 0), timeout=TIMEOUT, cached=False))
    c.close()
    return out


ACTIONS = {name[4:]: fn for name, fn in globals().items() if name.startswith('act_')}

if __name__ == '__main__':
    result = ACTIONS[sys.argv[1]]()
    print(json.dumps(result, default=str))
