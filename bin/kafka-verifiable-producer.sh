#!/usr/bin/env bash
# Kafka's kafka-verifiable-producer.sh: produces increasing integers and prints JSON events (same options and output).
exec node "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/samsa.js" kafka-verifiable-producer "$@"
