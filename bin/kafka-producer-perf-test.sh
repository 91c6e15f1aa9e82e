#!/usr/bin/env bash
# Kafka's kafka-producer-perf-test.sh: producer throughput and latency test (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-producer-perf-test "$@"
