#!/usr/bin/env bash
# Kafka's kafka-consumer-perf-test.sh: consumer throughput test (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-consumer-perf-test "$@"
