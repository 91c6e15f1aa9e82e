#!/usr/bin/env bash
# Kafka's kafka-console-consumer.sh: read data from Kafka topics and output it to standard output (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-console-consumer "$@"
