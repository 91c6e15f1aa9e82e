#!/usr/bin/env bash
# Kafka's kafka-consumer-groups.sh: list, describe and delete consumer groups, reset and delete their offsets (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-consumer-groups "$@"
