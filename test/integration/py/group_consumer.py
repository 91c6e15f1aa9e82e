# A consumer-group member driven by the TypeScript tests
# (test/integration/groups-python.test.ts, groups-restart.test.ts), with
# either client Debian ships: confluent-kafka-python (librdkafka) or
# kafka-python.
#
#   python3 group_consumer.py <confluent|kafka-python> '<json params>'
#
# params: bootstrap, topics (subscribe) or assign ([[topic, partition, offset|null], ...]
# for manual assignment without group membership), and config (the client's
# own configuration keys). It prints one JSON object per line, flushed:
#   {"ev": "assigned"|"revoked"|"lost", "partitions": [[topic, partition], ...]}
#   {"ev": "rec", "t": topic, "p": partition, "o": offset, "v": value}
#   {"ev": "error", "type": ..., "code": ..., "message": ...}   (errors seen while polling)
#   {"ev": "commit_cb", "error": ..., "offsets": [[t, p, offset, metadata], ...]}
#   {"ev": "reply", "id": ..., ...}                              (answers to commands)
# and reads commands, one JSON object per line, on stdin:
#   {"id": n, "op": "commit", "offsets": [[t, p, offset, metadata], ...] | null, "async": bool}
#   {"id": n, "op": "committed", "partitions": [[t, p], ...]}
#   {"id": n, "op": "close"}  (closes the consumer, which leaves the group, and exits)
#   {"id": n, "op": "pause_poll"} / {"id": n, "op": "resume_poll"}
# End of stdin also closes. Every assertion is made by the TypeScript side.

import json
import queue
import sys
import threading
import time
import traceback

CLIENT = sys.argv[1]
P = json.loads(sys.argv[2])
BOOTSTRAP = P['bootstrap']
CONFIG = P.get('config', {})

_lock = threading.Lock()


def out(**kw):
    with _lock:
        sys.stdout.write(json.dumps(kw) + '\n')
        sys.stdout.flush()


def s(b):
    return None if b is None else b.decode('utf-8', 'replace')


commands = queue.Queue()


def read_stdin():
    for line in sys.stdin:
        line = line.strip()
        if line:
            commands.put(json.loads(line))
    commands.put({'id': None, 'op': 'close'})


threading.Thread(target=read_stdin, daemon=True).start()


def err_json(e):
    code = None
    if hasattr(e, 'args') and e.args and hasattr(e.args[0], 'code'):
        code = e.args[0].code()
        return {'type': type(e).__name__, 'code': code, 'name': e.args[0].name(), 'message': e.args[0].str()}
    return {'type': type(e).__name__, 'code': getattr(e, 'errno', None), 'name': type(e).__name__, 'message': str(e)}


def run_confluent():
    from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition, OFFSET_INVALID

    def on_commit(e, parts):
        out(ev='commit_cb', error=None if e is None else e.name(),
            offsets=[[p.topic, p.partition, p.offset, None, None if p.error is None else p.error.name()] for p in parts])

    conf = {'bootstrap.servers': BOOTSTRAP, 'on_commit': on_commit, 'error_cb': lambda e: out(ev='client_error', name=e.name(), message=e.str())}
    conf.update(CONFIG)
    c = Consumer(conf)

    def tp_list(parts):
        return [[p.topic, p.partition] for p in parts]

    if 'topics' in P:
        c.subscribe(P['topics'],
                    on_assign=lambda cons, parts: out(ev='assigned', partitions=tp_list(parts)),
                    on_revoke=lambda cons, parts: out(ev='revoked', partitions=tp_list(parts)),
                    on_lost=lambda cons, parts: out(ev='lost', partitions=tp_list(parts)))
    else:
        tps = [TopicPartition(t, p) if o is None else TopicPartition(t, p, o) for t, p, o in P['assign']]
        c.assign(tps)
        out(ev='assigned', partitions=tp_list(tps))
    out(ev='ready')

    polling = True
    while True:
        try:
            # While polling is paused, wait for the next command instead.
            cmd = commands.get_nowait() if polling else commands.get(timeout=0.1)
        except queue.Empty:
            cmd = None
        if cmd is not None:
            op = cmd['op']
            try:
                if op == 'close':
                    c.close()
                    out(ev='reply', id=cmd['id'], ok=True)
                    out(ev='closed')
                    return
                elif op == 'commit':
                    offs = cmd.get('offsets')
                    asynchronous = bool(cmd.get('async'))
                    if offs is None:
                        r = c.commit(asynchronous=asynchronous)
                    else:
                        r = c.commit(offsets=[TopicPartition(t, p, o) for t, p, o, _m in offs], asynchronous=asynchronous)
                    out(ev='reply', id=cmd['id'], ok=True,
                        offsets=None if r is None else [[p.topic, p.partition, p.offset, None, None if p.error is None else p.error.name()] for p in r])
                elif op == 'committed':
                    r = c.committed([TopicPartition(t, p) for t, p in cmd['partitions']], timeout=10)
                    out(ev='reply', id=cmd['id'], ok=True,
                        offsets=[[p.topic, p.partition, p.offset, None, None if p.error is None else p.error.name()] for p in r])
                elif op == 'pause_poll':
                    polling = False
                    out(ev='reply', id=cmd['id'], ok=True)
                elif op == 'resume_poll':
                    polling = True
                    out(ev='reply', id=cmd['id'], ok=True)
                else:
                    out(ev='reply', id=cmd['id'], ok=False, error={'type': 'UnknownOp', 'message': op})
            except Exception as e:  # noqa: BLE001 - reported to the test
                out(ev='reply', id=cmd['id'], ok=False, error=err_json(e))
            continue
        if not polling:
            continue
        try:
            m = c.poll(0.1)
        except Exception as e:  # noqa: BLE001
            out(ev='error', **err_json(e))
            continue
        if m is None:
            continue
        if m.error():
            e = m.error()
            if e.code() == KafkaError._PARTITION_EOF:
                out(ev='eof', t=m.topic(), p=m.partition(), o=m.offset())
            else:
                out(ev='error', type='KafkaError', code=e.code(), name=e.name(), message=e.str(), t=m.topic(), p=m.partition())
            continue
        out(ev='rec', t=m.topic(), p=m.partition(), o=m.offset(), v=s(m.value()))


def run_kafka_python():
    from kafka import KafkaConsumer, TopicPartition, OffsetAndMetadata
    from kafka.consumer.subscription_state import ConsumerRebalanceListener

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            out(ev='revoked', partitions=sorted([tp.topic, tp.partition] for tp in revoked))

        def on_partitions_assigned(self, assigned):
            out(ev='assigned', partitions=sorted([tp.topic, tp.partition] for tp in assigned))

    conf = {'bootstrap_servers': BOOTSTRAP}
    conf.update(CONFIG)
    c = KafkaConsumer(**conf)
    if 'topics' in P:
        c.subscribe(P['topics'], listener=Listener())
    else:
        tps = [TopicPartition(t, p) for t, p, _o in P['assign']]
        c.assign(tps)
        for t, p, o in P['assign']:
            if o is not None:
                c.seek(TopicPartition(t, p), o)
        out(ev='assigned', partitions=[[t, p] for t, p, _o in P['assign']])
    out(ev='ready')

    def offsets_json(offsets):
        return [[tp.topic, tp.partition, om.offset, om.metadata, None] for tp, om in sorted(offsets.items())]

    polling = True
    while True:
        try:
            # While polling is paused, wait for the next command instead.
            cmd = commands.get_nowait() if polling else commands.get(timeout=0.1)
        except queue.Empty:
            cmd = None
        if cmd is not None:
            op = cmd['op']
            try:
                if op == 'close':
                    c.close()
                    out(ev='reply', id=cmd['id'], ok=True)
                    out(ev='closed')
                    return
                elif op == 'commit':
                    offs = cmd.get('offsets')
                    offsets = None if offs is None else {TopicPartition(t, p): OffsetAndMetadata(o, m) for t, p, o, m in offs}
                    if cmd.get('async'):
                        def cb(offsets, response):
                            ok = not isinstance(response, Exception)
                            out(ev='commit_cb', error=None if ok else type(response).__name__, offsets=offsets_json(offsets))
                        c.commit_async(offsets, callback=cb)
                        out(ev='reply', id=cmd['id'], ok=True)
                    else:
                        c.commit(offsets)
                        out(ev='reply', id=cmd['id'], ok=True)
                elif op == 'committed':
                    res = []
                    for t, p in cmd['partitions']:
                        om = c.committed(TopicPartition(t, p), metadata=True)
                        res.append([t, p, None if om is None else om.offset, None if om is None else om.metadata, None])
                    out(ev='reply', id=cmd['id'], ok=True, offsets=res)
                elif op == 'pause_poll':
                    polling = False
                    out(ev='reply', id=cmd['id'], ok=True)
                elif op == 'resume_poll':
                    polling = True
                    out(ev='reply', id=cmd['id'], ok=True)
                else:
                    out(ev='reply', id=cmd['id'], ok=False, error={'type': 'UnknownOp', 'message': op})
            except Exception as e:  # noqa: BLE001
                out(ev='reply', id=cmd['id'], ok=False, error=err_json(e))
            continue
        if not polling:
            continue
        try:
            batches = c.poll(timeout_ms=100)
        except Exception as e:  # noqa: BLE001
            out(ev='error', **err_json(e))
            time.sleep(0.1)  # the same error would come back at once
            continue
        for tp, recs in sorted(batches.items()):
            for r in recs:
                out(ev='rec', t=r.topic, p=r.partition, o=r.offset, v=s(r.value))


try:
    if CLIENT == 'confluent':
        run_confluent()
    elif CLIENT == 'kafka-python':
        run_kafka_python()
    else:
        raise SystemExit('unknown client ' + CLIENT)
except Exception:  # noqa: BLE001
    out(ev='fatal', trace=traceback.format_exc())
    sys.exit(1)
