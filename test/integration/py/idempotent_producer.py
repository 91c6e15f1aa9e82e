# An idempotent confluent-kafka-python producer (enable.idempotence) that sends
# `count` records whose values are 0..count-1, printing "progress <delivered>"
# as deliveries are confirmed, so that the test can kill and restart the broker
# mid-stream. Run as: python3 idempotent_producer.py '<json params>'.
# Prints one JSON document on its last line: deliveries, errors, fatal errors.

import json
import sys
import time

from confluent_kafka import Producer

P = json.loads(sys.argv[1])
errors = []
fatal = []
delivered = 0


def on_delivery(err, msg):
    global delivered
    if err is not None:
        errors.append(str(err))
    else:
        delivered += 1


def on_error(err):
    if err.fatal():
        fatal.append(str(err))


p = Producer({
    'bootstrap.servers': P['bootstrap'],
    'enable.idempotence': True,
    'acks': 'all',
    'linger.ms': 5,
    'batch.num.messages': P.get('batch', 200),
    'max.in.flight.requests.per.connection': 5,
    'message.timeout.ms': 180000,
    'retry.backoff.ms': 50,
    'reconnect.backoff.ms': 50,
    'reconnect.backoff.max.ms': 300,
    'error_cb': on_error,
})

count = P['count']
step = P.get('progress', 1000)
pace = P.get('pace', 0)
last = 0
for i in range(count):
    while True:
        try:
            p.produce(P['topic'], value=str(i).encode(), key=str(i % 97).encode(), on_delivery=on_delivery)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
    if delivered - last >= step:
        last = delivered
        print('progress', delivered, flush=True)
    if pace and i % 500 == 499:
        time.sleep(pace)
        p.poll(0)
        if delivered - last >= step:
            last = delivered
            print('progress', delivered, flush=True)

deadline = time.time() + 170
while len(p) > 0 and time.time() < deadline and not fatal:
    p.poll(0.1)
    if delivered - last >= step:
        last = delivered
        print('progress', delivered, flush=True)
print(json.dumps({'delivered': delivered, 'errors': errors[:10], 'errorCount': len(errors), 'fatal': fatal,
                  'remaining': len(p)}), flush=True)
