#!/usr/bin/env bash
# Kafka's kafka-run-class.sh for the tool classes Samsa implements, so that
# commands such as `kafka-run-class.sh kafka.tools.GetOffsetShell --bootstrap-server ...`
# work as written.
dir="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] [-name servicename] [-loggc] classname [opts]" >&2
  exit 1
fi
case "$1" in
  kafka.tools.GetOffsetShell|org.apache.kafka.tools.GetOffsetShell) tool=kafka-get-offsets ;;
  kafka.admin.TopicCommand|org.apache.kafka.tools.TopicCommand) tool=kafka-topics ;;
  kafka.admin.ConfigCommand) tool=kafka-configs ;;
  kafka.admin.ConsumerGroupCommand|org.apache.kafka.tools.consumer.group.ConsumerGroupCommand) tool=kafka-consumer-groups ;;
  kafka.tools.ConsoleProducer|org.apache.kafka.tools.ConsoleProducer) tool=kafka-console-producer ;;
  kafka.tools.ConsoleConsumer|org.apache.kafka.tools.consumer.ConsoleConsumer) tool=kafka-console-consumer ;;
  kafka.admin.DeleteRecordsCommand|org.apache.kafka.tools.DeleteRecordsCommand) tool=kafka-delete-records ;;
  kafka.admin.LogDirsCommand|org.apache.kafka.tools.LogDirsCommand) tool=kafka-log-dirs ;;
  kafka.Kafka) tool=kafka-server-start ;;
  kafka.tools.DumpLogSegments) tool=kafka-dump-log ;;
  kafka.admin.BrokerApiVersionsCommand|org.apache.kafka.tools.BrokerApiVersionsCommand) tool=kafka-broker-api-versions ;;
  org.apache.kafka.tools.VerifiableProducer) tool=kafka-verifiable-producer ;;
  org.apache.kafka.tools.VerifiableConsumer) tool=kafka-verifiable-consumer ;;
  org.apache.kafka.tools.ProducerPerformance) tool=kafka-producer-perf-test ;;
  kafka.tools.ConsumerPerformance|org.apache.kafka.tools.ConsumerPerformance) tool=kafka-consumer-perf-test ;;
  kafka.admin.LeaderElectionCommand|org.apache.kafka.tools.LeaderElectionCommand) tool=kafka-leader-election ;;
  kafka.admin.ReassignPartitionsCommand|org.apache.kafka.tools.reassign.ReassignPartitionsCommand) tool=kafka-reassign-partitions ;;
  org.apache.kafka.tools.TransactionsCommand) tool=kafka-transactions ;;
  *)
    echo "Error: Could not find or load main class $1" >&2
    echo "Caused by: java.lang.ClassNotFoundException: $1 (Samsa runs these classes: kafka.tools.GetOffsetShell, kafka.admin.TopicCommand, kafka.admin.ConfigCommand, kafka.admin.ConsumerGroupCommand, kafka.tools.ConsoleProducer, kafka.tools.ConsoleConsumer, kafka.admin.DeleteRecordsCommand, kafka.admin.LogDirsCommand, kafka.Kafka, kafka.tools.DumpLogSegments, org.apache.kafka.tools.VerifiableProducer, org.apache.kafka.tools.VerifiableConsumer, org.apache.kafka.tools.ProducerPerformance, org.apache.kafka.tools.ConsumerPerformance, org.apache.kafka.tools.LeaderElectionCommand, org.apache.kafka.tools.reassign.ReassignPartitionsCommand, org.apache.kafka.tools.TransactionsCommand, kafka.admin.BrokerApiVersionsCommand)" >&2
    exit 1
    ;;
esac
shift
exec node "$dir/samsa.js" "$tool" "$@"
