#!/usr/bin/env bash
# Kafka's kafka-broker-api-versions.sh: every broker's supported API versions (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-broker-api-versions "$@"
