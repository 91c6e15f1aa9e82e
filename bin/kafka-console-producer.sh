#!/usr/bin/env bash
# Kafka's kafka-console-producer.sh: read data from standard input and publish it to Kafka (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-console-producer "$@"
