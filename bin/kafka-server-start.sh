#!/usr/bin/env bash
# Kafka's start script, with Kafka's arguments: kafka-server-start.sh server.properties [--override k=v]*
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
exec node "$(dirname "$0")/samsa.js" server-start "$@"
