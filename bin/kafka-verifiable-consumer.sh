#!/usr/bin/env bash
# Kafka's kafka-verifiable-consumer.sh: consumes in a group and prints JSON events (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-verifiable-consumer "$@"
