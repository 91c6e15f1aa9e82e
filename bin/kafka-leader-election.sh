#!/usr/bin/env bash
# Kafka's kafka-leader-election.sh: elects partition leaders (same options and output; a single-broker cluster has nothing to elect).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-leader-election "$@"
