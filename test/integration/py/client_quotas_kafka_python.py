# DescribeClientQuotas v0 and AlterClientQuotas v0 encoded and decoded by
# kafka-python 2.0.2's own protocol framework (Struct, Schema, Array, String,
# Int8/16/32, Boolean, its request header and KafkaClient's framing and
# correlation). kafka-python has no definitions of these APIs nor a float64
# type, so the schemas below are written from Kafka's message JSON and FLOAT64
# is the one type added; everything else on the wire is kafka-python's code.
# Prints one JSON line; the Node test makes every assertion.

import json
import struct
import sys

from kafka.client_async import KafkaClient
from kafka.protocol.api import Request, Response
from kafka.protocol.types import AbstractType, Array, Boolean, Int8, Int16, Int32, Schema, String


class Float64(AbstractType):
    @classmethod
    def encode(cls, value):
        return struct.pack('>d', value)

    @classmethod
    def decode(cls, data):
        return struct.unpack('>d', data.read(8))[0]


NullableString = String('utf-8')  # kafka-python's String encodes None as length -1

ENTITY = Array(('entity_type', String('utf-8')), ('entity_name', NullableString))


class DescribeClientQuotasResponse_v0(Response):
    API_KEY = 48
    API_VERSION = 0
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('error_code', Int16),
        ('error_message', NullableString),
        ('entries', Array(('entity', ENTITY), ('values', Array(('key', String('utf-8')), ('value', Float64))))),
    )


class DescribeClientQuotasRequest_v0(Request):
    API_KEY = 48
    API_VERSION = 0
    RESPONSE_TYPE = DescribeClientQuotasResponse_v0
    SCHEMA = Schema(
        ('components', Array(('entity_type', String('utf-8')), ('match_type', Int8), ('match', NullableString))),
        ('strict', Boolean),
    )


class AlterClientQuotasResponse_v0(Response):
    API_KEY = 49
    API_VERSION = 0
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('entries', Array(('error_code', Int16), ('error_message', NullableString), ('entity', ENTITY))),
    )


class AlterClientQuotasRequest_v0(Request):
    API_KEY = 49
    API_VERSION = 0
    RESPONSE_TYPE = AlterClientQuotasResponse_v0
    SCHEMA = Schema(
        ('entries', Array(('entity', ENTITY), ('ops', Array(('key', String('utf-8')), ('value', Float64), ('remove', Boolean))))),
        ('validate_only', Boolean),
    )


def send(client, node, request):
    future = client.send(node, request)
    client.poll(future=future, timeout_ms=10000)
    if not future.succeeded():
        raise future.exception
    response = future.value
    if getattr(response, 'entries', []) is None:
        # kafka-python's to_object() cannot walk a null array: read the decoded fields directly.
        return {'error_code': response.error_code, 'error_message': response.error_message, 'entries': None}
    return response.to_object()


def main():
    params = json.loads(sys.argv[1])
    client = KafkaClient(bootstrap_servers=params['bootstrap'], api_version=(2, 6))
    node = params['node_id']
    deadline = 0
    while not client.ready(node) and deadline < 100:
        client.poll(timeout_ms=100)
        deadline += 1
    out = {}
    out['alter'] = send(client, node, AlterClientQuotasRequest_v0(
        entries=[
            ([('user', 'carol'), ('client-id', 'reporting')], [('producer_byte_rate', 4096.0, False), ('request_percentage', 25.5, False)]),
            ([('user', 'carol')], [('consumer_byte_rate', 1048576.0, False)]),
            ([('user', 'dave')], [('no_such_quota', 1.0, False)]),
            ([('ip', '10.0.0.1')], [('connection_creation_rate', 2.5, False)]),
        ],
        validate_only=False))
    out['described'] = send(client, node, DescribeClientQuotasRequest_v0(components=[('user', 0, 'carol')], strict=False))
    out['described_from_cli'] = send(client, node, DescribeClientQuotasRequest_v0(components=[('user', 0, params['cli_user'])], strict=True))
    out['bad_filter'] = send(client, node, DescribeClientQuotasRequest_v0(components=[('user', 1, 'x')], strict=False))
    client.close()
    print(json.dumps(out))


main()
