import { ApiDef } from '../schema.js';
import { CreateTopics } from './create-topics.js';
import { DeleteTopics } from './delete-topics.js';
import { DeleteRecords } from './delete-records.js';
import { DescribeConfigs } from './describe-configs.js';
import { AlterConfigs } from './alter-configs.js';
import { DescribeLogDirs } from './describe-log-dirs.js';
import { CreatePartitions } from './create-partitions.js';
import { IncrementalAlterConfigs } from './incremental-alter-configs.js';
import { DescribeCluster } from './describe-cluster.js';
import { SaslHandshake } from './sasl-handshake.js';
import { SaslAuthenticate } from './sasl-authenticate.js';
import { DescribeProducers } from './describe-producers.js';
import { DescribeTransactions } from './describe-transactions.js';
import { ListTransactions } from './list-transactions.js';

/** admin APIs, registered in protocol/apis.ts. */
export const ADMIN_APIS: ApiDef[] = [
  SaslHandshake, // 17
  CreateTopics, // 19
  DeleteTopics, // 20
  DeleteRecords, // 21
  DescribeConfigs, // 32
  AlterConfigs, // 33
  DescribeLogDirs, // 35
  SaslAuthenticate, // 36
  CreatePartitions, // 37
  IncrementalAlterConfigs, // 44
  DescribeCluster, // 60
  DescribeProducers, // 61
  DescribeTransactions, // 65
  ListTransactions, // 66
];
