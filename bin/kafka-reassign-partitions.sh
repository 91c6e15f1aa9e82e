#!/usr/bin/env bash
# Kafka's kafka-reassign-partitions.sh: moves partitions between brokers (same options and output; a single-broker cluster has nothing to move).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-reassign-partitions "$@"
