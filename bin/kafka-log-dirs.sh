#!/usr/bin/env bash
# Kafka's kafka-log-dirs.sh: log directory usage of brokers as JSON (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-log-dirs "$@"
