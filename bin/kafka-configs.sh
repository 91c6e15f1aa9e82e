#!/usr/bin/env bash
# Kafka's kafka-configs.sh: describe and alter topic, broker and broker-logger configs (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-configs "$@"
