#!/usr/bin/env bash
# Kafka's kafka-transactions.sh: lists, describes and aborts transactions, finds hanging ones (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-transactions "$@"
