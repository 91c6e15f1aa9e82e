#!/usr/bin/env bash
# Kafka's kafka-topics.sh: create, delete, describe, or change a topic (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-topics "$@"
