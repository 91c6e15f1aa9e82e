# Flows driven with kafka-python (Debian's python3-kafka 2.0.2) against a
# Samsa broker. Run as: python3 kafka_python_flows.py <action> '<json params>'.
# Each action prints one JSON document on its last line; the TypeScript test
# (test/integration/kafka-python.test.ts) makes every assertion on it.

import base64
import importlib
import json
import sys
import time

import kafka
import kafka.codec
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import KafkaError

P = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
BOOTSTRAP = P.get('bootstrap')


def s(b):
    return None if b is None else b.decode('utf-8')


def enc(x):
    return None if x is None else x.encode('utf-8')


def err(e):
    return {'type': type(e).__name__, 'errno': getattr(e, 'errno', None), 'message': str(e)}


def rec(r):
    return {
        'topic': r.topic,
        'partition': r.partition,
        'offset': r.offset,
        'key': s(r.key),
        'value': s(r.value),
        'headers': [[k, s(v)] for k, v in (r.headers or [])],
        'timestamp': r.timestamp,
        'timestamp_type': r.timestamp_type,
    }


def admin():
    return KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id='samsa-kafka-python-test')


def config_entries(resp):
    """DescribeConfigs response -> {resource_name: {key: {value, read_only, source, sensitive, synonyms}}}."""
    out = {}
    for r in resp:
        for res in r.resources:
            error_code, error_message, _rtype, name, entries = res
            d = {'error_code': error_code, 'error_message': error_message, 'configs': {}}
            for e in entries:
                syn = [[x[0], x[1], x[2]] for x in e[5]] if len(e) > 5 else []
                d['configs'][e[0]] = {'value': e[1], 'read_only': e[2], 'source': e[3], 'sensitive': e[4], 'synonyms': syn}
            out[name] = d
    return out


def consume_from_beginning(topic, partitions, n, timeout_s=30, **kw):
    """Reads partitions from their beginning with assign(), until n records or the deadline."""
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None, enable_auto_commit=False, **kw)
    tps = [TopicPartition(topic, p) for p in partitions]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    got = []
    deadline = time.time() + timeout_s
    while len(got) < n and time.time() < deadline:
        for _tp, rs in c.poll(timeout_ms=200).items():
            got.extend(rec(r) for r in rs)
    c.close()
    return sorted(got, key=lambda r: (r['partition'], r['offset']))


# ---------------------------------------------------------------- admin

def act_admin_create_describe():
    a = admin()
    topic = P['topic']
    configs = P['configs']
    res = a.create_topics([NewTopic(topic, P['partitions'], 1, topic_configs=configs)])
    created = [[t[0], t[1], t[2]] for t in res.topic_errors]
    dup = None
    try:
        a.create_topics([NewTopic(topic, 1, 1)])
    except KafkaError as e:
        dup = err(e)
    listed = a.list_topics()
    described = a.describe_topics([topic])
    topic_cfg = config_entries(a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)], include_synonyms=True))
    broker_cfg = config_entries(a.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(P['node_id']))], include_synonyms=True))
    a.close()
    return {
        'created': created,
        'duplicate': dup,
        'listed': listed,
        'described': described,
        'topic_configs': topic_cfg,
        'broker_configs': broker_cfg,
    }


def act_admin_alter_configs():
    a = admin()
    topic = P['topic']
    a.create_topics([NewTopic(topic, 1, 1, topic_configs={'cleanup.policy': 'compact', 'retention.ms': '3600000'})])
    # AlterConfigs replaces the resource's whole set of overrides: cleanup.policy reverts to its default.
    alter = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={'retention.ms': '7200000', 'max.message.bytes': '300000'})])
    after_topic = config_entries(a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)]))
    bad = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={'retention.ms': 'soon'})])
    unknown = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={'no.such.config': '1'})])
    broker_alter = a.alter_configs([ConfigResource(ConfigResourceType.BROKER, str(P['node_id']), configs={'log.retention.ms': '123456789'})])
    after_broker = config_entries(a.describe_configs(
        [ConfigResource(ConfigResourceType.BROKER, str(P['node_id']), configs={'log.retention.ms': None, 'log.retention.hours': None})],
        include_synonyms=True))
    # Reset the broker override so later tests see the default again.
    a.alter_configs([ConfigResource(ConfigResourceType.BROKER, str(P['node_id']), configs={})])
    a.close()

    def codes(resp):
        return [[r[3], r[0], r[1]] for r in resp.resources]

    return {
        'alter': codes(alter),
        'after_topic': after_topic,
        'bad_value': codes(bad),
        'unknown_key': codes(unknown),
        'broker_alter': codes(broker_alter),
        'after_broker': after_broker,
    }


def act_admin_partitions_delete():
    a = admin()
    topic = P['topic']
    a.create_topics([NewTopic(topic, 3, 1)])
    grow = a.create_partitions({topic: NewPartitions(10)})
    after_grow = a.describe_topics([topic])
    shrink = None
    try:
        a.create_partitions({topic: NewPartitions(1)})
    except KafkaError as e:
        shrink = err(e)
    same = None
    try:
        a.create_partitions({topic: NewPartitions(10)})
    except KafkaError as e:
        same = err(e)
    deleted = a.delete_topics([topic])
    # Deletion is done when the topic is gone from the metadata (poll, with a deadline).
    deadline = time.time() + 20
    while topic in a.list_topics() and time.time() < deadline:
        time.sleep(0.1)
    listed_after = a.list_topics()
    missing = None
    try:
        a.delete_topics(['never-existed-' + topic])
    except KafkaError as e:
        missing = err(e)
    a.close()
    return {
        'grow': [[t[0], t[1], t[2]] for t in grow.topic_errors],
        'partitions_after_grow': sorted(p['partition'] for p in after_grow[0]['partitions']),
        'shrink': shrink,
        'same': same,
        'deleted': [[t[0], t[1]] for t in deleted.topic_error_codes],
        'listed_after': listed_after,
        'missing': missing,
    }


# ---------------------------------------------------------------- producer

def act_produce_consume():
    """Produces keyed records with headers and explicit timestamps, then reads them back from the beginning."""
    topic = P['topic']
    n = P['count']
    compression = P.get('compression')
    acks = P['acks']
    if acks not in ('all',):
        acks = int(acks)
    base_ts = P['base_ts']
    prod = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks=acks, compression_type=compression, linger_ms=50,
                         batch_size=256 * 1024)
    futures = []
    sent = []
    for i in range(n):
        key = 'key-%d' % (i % 7)
        value = '%s value %d %s' % (compression or 'none', i, 'xyz' * (i % 30))
        headers = [('seq', enc(str(i))), ('kind', b'test')] if i % 3 else []
        ts = base_ts + i
        futures.append(prod.send(topic, key=enc(key), value=enc(value), headers=headers, timestamp_ms=ts, partition=P.get('partition')))
        sent.append({'key': key, 'value': value, 'headers': [[k, s(v)] for k, v in headers], 'timestamp': ts})
    prod.flush()
    metas = []
    for f in futures:
        m = f.get(timeout=30)
        metas.append({'partition': m.partition, 'offset': m.offset, 'timestamp': m.timestamp})
    prod.close()
    got = consume_from_beginning(topic, P['partitions'], n)
    return {'sent': sent, 'metas': metas, 'got': got}


def act_codecs():
    """Which compression codecs kafka-python can use here, and why not for the others."""
    mods = {'gzip': 'gzip', 'snappy': 'snappy', 'lz4': 'lz4.frame', 'zstd': 'zstandard'}
    checks = {'gzip': kafka.codec.has_gzip, 'snappy': kafka.codec.has_snappy, 'lz4': kafka.codec.has_lz4, 'zstd': kafka.codec.has_zstd}
    out = {}
    for codec, mod in mods.items():
        try:
            importlib.import_module(mod)
            importable = True
            import_error = None
        except ImportError as e:
            importable = False
            import_error = str(e)
        producer_error = None
        try:
            KafkaProducer(bootstrap_servers=BOOTSTRAP, compression_type=codec).close()
        except Exception as e:  # kafka-python asserts the codec's library is present
            producer_error = err(e)
        out[codec] = {'module': mod, 'importable': importable, 'import_error': import_error,
                      'has_codec': bool(checks[codec]()), 'producer_error': producer_error}
    return out


def act_keyed_partitions():
    """kafka-python's DefaultPartitioner is the Java client's murmur2: record where each key went."""
    topic = P['topic']
    a = admin()
    a.create_topics([NewTopic(topic, P['partitions'], 1)])
    a.close()
    prod = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks='all')
    placed = []
    for rnd in range(2):
        fs = [(k, prod.send(topic, key=enc(k), value=enc('round %d' % rnd))) for k in P['keys']]
        for k, f in fs:
            m = f.get(timeout=30)
            placed.append([k, m.partition, m.offset])
    prod.close()
    got = consume_from_beginning(topic, list(range(P['partitions'])), len(placed))
    return {'placed': placed, 'got': got}


def act_auto_create():
    topic = P['topic']
    prod = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks=1, max_block_ms=10000)
    m = prod.send(topic, value=b'auto').get(timeout=30)
    prod.close()
    a = admin()
    described = a.describe_topics([topic])
    a.close()
    return {'meta': [m.partition, m.offset], 'described': described}


def act_old_formats():
    """A producer and a consumer pinned to an old broker version (message format v0 or v1, Produce v2
    or older, Fetch v3 or older), and a current consumer reading what the old producer wrote."""
    topic = P['topic']
    api_version = tuple(P['api_version'])
    n = P['count']
    prod = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=api_version, acks=1,
                         compression_type=P.get('compression'), linger_ms=20)
    v1 = api_version >= (0, 10)
    futures = [prod.send(topic, key=enc('k%d' % i), value=enc('old %d' % i), partition=0,
                         timestamp_ms=(P['base_ts'] + i) if v1 else None) for i in range(n)]
    prod.flush()
    metas = [[f.get(timeout=30).offset, f.get(timeout=30).timestamp] for f in futures]
    prod.close()
    old = consume_from_beginning(topic, [0], n, api_version=api_version)
    new = consume_from_beginning(topic, [0], n)
    return {'metas': metas, 'old_consumer': old, 'new_consumer': new}


# ---------------------------------------------------------------- consumer

def act_consumer_positions():
    """earliest/latest reset, assign+seek, beginning/end offsets and offsets_for_times on one partition."""
    topic = P['topic']
    base_ts = P['base_ts']
    n = P['count']
    a = admin()
    a.create_topics([NewTopic(topic, 1, 1)])
    a.close()
    tp = TopicPartition(topic, 0)
    prod = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks='all')
    for i in range(n):
        prod.send(topic, value=enc('v%d' % i), timestamp_ms=base_ts + i * 1000, partition=0)
    prod.flush()

    out = {}
    # auto_offset_reset=earliest: no committed offset, so start at the log start.
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None, enable_auto_commit=False, auto_offset_reset='earliest')
    c.assign([tp])
    out['earliest_position'] = c.position(tp)
    got = []
    deadline = time.time() + 30
    while len(got) < n and time.time() < deadline:
        for _tp, rs in c.poll(timeout_ms=200).items():
            got.extend(rec(r) for r in rs)
    out['earliest'] = got
    out['beginning_offsets'] = {str(k.partition): v for k, v in c.beginning_offsets([tp]).items()}
    out['end_offsets'] = {str(k.partition): v for k, v in c.end_offsets([tp]).items()}

    # assign + seek to a given offset.
    c.seek(tp, P['seek_to'])
    got = []
    deadline = time.time() + 30
    while len(got) < n - P['seek_to'] and time.time() < deadline:
        for _tp, rs in c.poll(timeout_ms=200).items():
            got.extend(rec(r) for r in rs)
    out['seek'] = got

    # offsets_for_times: earliest offset whose timestamp is >= the one asked for.
    queries = P['times']
    out['offsets_for_times'] = []
    for t in queries:
        r = c.offsets_for_times({tp: t})[tp]
        out['offsets_for_times'].append(None if r is None else [r.offset, r.timestamp])
    c.close()

    # auto_offset_reset=latest: start at the end; then only newer records arrive.
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None, enable_auto_commit=False, auto_offset_reset='latest')
    c.assign([tp])
    out['latest_position'] = c.position(tp)
    for i in range(3):
        prod.send(topic, value=enc('late%d' % i), partition=0)
    prod.flush()
    got = []
    deadline = time.time() + 30
    while len(got) < 3 and time.time() < deadline:
        for _tp, rs in c.poll(timeout_ms=200).items():
            got.extend(rec(r) for r in rs)
    out['latest'] = got
    c.close()
    prod.close()
    return out


def act_log_append_time():
    topic = P['topic']
    a = admin()
    a.create_topics([NewTopic(topic, 1, 1, topic_configs={'message.timestamp.type': 'LogAppendTime'})])
    a.close()
    prod = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks='all', compression_type=P.get('compression'))
    t0 = int(time.time() * 1000)
    metas = []
    for i in range(5):
        m = prod.send(topic, value=enc('lat%d' % i), timestamp_ms=1000000000000 + i).get(timeout=30)
        metas.append([m.offset, m.timestamp])
    prod.close()
    t1 = int(time.time() * 1000)
    got = consume_from_beginning(topic, [0], 5)
    return {'t0': t0, 't1': t1, 'metas': metas, 'got': got}


ACTIONS = {name[4:]: fn for name, fn in globals().items() if name.startswith('act_')}

if __name__ == '__main__':
    result = ACTIONS[sys.argv[1]]()
    print(json.dumps(result, default=str))
