#!/usr/bin/env bash
# Kafka's kafka-get-offsets.sh: topic:partition:offset lines (GetOffsetShell) (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-get-offsets "$@"
