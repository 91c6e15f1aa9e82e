#!/usr/bin/env bash
# Kafka's kafka-delete-records.sh: delete records below the offsets in a JSON file (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-delete-records "$@"
