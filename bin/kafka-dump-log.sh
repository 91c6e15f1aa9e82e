#!/usr/bin/env bash
# Kafka's kafka-dump-log.sh: print what log segment, index and snapshot files hold (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-dump-log "$@"
