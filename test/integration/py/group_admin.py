# Consumer-group administration as users do it from Python, for the
# TypeScript tests (groups-python.test.ts, groups-restart.test.ts):
#
#   python3 group_admin.py <action> '<json params>'
#
# Each action prints one JSON document on its last line; every assertion is
# made by the TypeScript side.
#   kp_lag            kafka-python: KafkaAdminClient.list_consumer_group_offsets + KafkaConsumer.end_offsets
#   kp_list_groups    kafka-python: KafkaAdminClient.list_consumer_groups
#   kp_describe       kafka-python: KafkaAdminClient.describe_consumer_groups (assignments decoded)
#   kp_delete         kafka-python: KafkaAdminClient.delete_consumer_groups
#   ck_lag            confluent-kafka: Consumer.committed + get_watermark_offsets (1.7.0 has no admin offsets API)
#   ck_list_groups    confluent-kafka: AdminClient.list_groups (ListGroups + DescribeGroups), with members

import json
import sys

ACTION = sys.argv[1]
P = json.loads(sys.argv[2])
BOOTSTRAP = P['bootstrap']


def kp_admin():
    from kafka import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id='samsa-groups-test')


def kp_lag():
    from kafka import KafkaConsumer, TopicPartition
    a = kp_admin()
    committed = a.list_consumer_group_offsets(P['group'])
    a.close()
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None, enable_auto_commit=False)
    tps = [TopicPartition(P['topic'], p) for p in P['partitions']]
    end = c.end_offsets(tps)
    c.close()
    rows = []
    for tp in tps:
        om = committed.get(tp)
        cur = None if om is None else om.offset
        rows.append({'partition': tp.partition, 'committed': cur, 'metadata': None if om is None else om.metadata,
                     'end': end[tp], 'lag': None if cur is None or cur < 0 else end[tp] - cur})
    other = sorted([tp.topic, tp.partition] for tp in committed if tp.topic != P['topic'])
    return {'rows': rows, 'other': other}


def kp_list_groups():
    a = kp_admin()
    groups = a.list_consumer_groups()
    a.close()
    return {'groups': sorted([g[0], g[1]] for g in groups)}


def kp_describe():
    a = kp_admin()
    res = a.describe_consumer_groups(P['groups'])
    a.close()
    out = []
    for g in res:
        members = []
        for m in g.members:
            assignment = []
            if m.member_assignment is not None and hasattr(m.member_assignment, 'assignment'):
                for topic, parts in m.member_assignment.assignment:
                    assignment.append([topic, sorted(parts)])
            subscription = list(m.member_metadata.subscription) if m.member_metadata is not None and hasattr(m.member_metadata, 'subscription') else None
            members.append({'member_id': m.member_id, 'client_id': m.client_id, 'client_host': m.client_host,
                            'subscription': subscription, 'assignment': assignment})
        out.append({'error_code': g.error_code, 'group': g.group, 'state': g.state, 'protocol_type': g.protocol_type,
                    'protocol': g.protocol, 'members': sorted(members, key=lambda x: x['client_id'] + x['member_id'])})
    return {'groups': out}


def kp_delete():
    a = kp_admin()
    res = a.delete_consumer_groups(P['groups'])
    a.close()
    # kafka-python answers each group with an error class (Errors.for_code), not an instance.
    name = lambda e: e.__name__ if isinstance(e, type) else type(e).__name__  # noqa: E731
    return {'results': sorted([g, name(e), getattr(e, 'errno', None)] for g, e in res)}


def ck_lag():
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': P['group'], 'enable.auto.commit': False})
    tps = [TopicPartition(P['topic'], p) for p in P['partitions']]
    committed = c.committed(tps, timeout=10)
    rows = []
    for tp in committed:
        low, high = c.get_watermark_offsets(TopicPartition(tp.topic, tp.partition), timeout=10)
        cur = tp.offset if tp.offset >= 0 else None
        rows.append({'partition': tp.partition, 'committed': cur, 'metadata': None, 'end': high,
                     'lag': None if cur is None else high - cur, 'error': None if tp.error is None else tp.error.name()})
    c.close()
    return {'rows': sorted(rows, key=lambda r: r['partition'])}


def ck_list_groups():
    from confluent_kafka.admin import AdminClient
    a = AdminClient({'bootstrap.servers': BOOTSTRAP})
    kw = {'timeout': 10}
    if P.get('group'):
        kw['group'] = P['group']
    groups = a.list_groups(**kw)
    out = []
    for g in groups:
        out.append({'id': g.id, 'state': g.state, 'protocol_type': g.protocol_type, 'protocol': g.protocol,
                    'error': None if g.error is None else g.error.name(),
                    'members': sorted([{'id': m.id, 'client_id': m.client_id, 'client_host': m.client_host,
                                        'has_metadata': bool(m.metadata), 'has_assignment': bool(m.assignment)}
                                       for m in g.members], key=lambda x: x['client_id'] + x['id'])})
    return {'groups': sorted(out, key=lambda x: x['id'])}


ACTIONS = {f.__name__: f for f in (kp_lag, kp_list_groups, kp_describe, kp_delete, ck_lag, ck_list_groups)}
print(json.dumps(ACTIONS[ACTION]()))
