import { ApiDef } from '../schema.js';
import { OffsetCommit } from './offset-commit.js';
import { OffsetFetch } from './offset-fetch.js';
import { FindCoordinator } from './find-coordinator.js';
import { JoinGroup } from './join-group.js';
import { Heartbeat } from './heartbeat.js';
import { LeaveGroup } from './leave-group.js';
import { SyncGroup } from './sync-group.js';
import { DescribeGroups } from './describe-groups.js';
import { ListGroups } from './list-groups.js';
import { InitProducerId } from './init-producer-id.js';
import { OffsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { AddPartitionsToTxn } from './add-partitions-to-txn.js';
import { AddOffsetsToTxn } from './add-offsets-to-txn.js';
import { EndTxn } from './end-txn.js';
import { WriteTxnMarkers } from './write-txn-markers.js';
import { TxnOffsetCommit } from './txn-offset-commit.js';
import { DeleteGroups } from './delete-groups.js';
import { OffsetDelete } from './offset-delete.js';
import { ConsumerGroupHeartbeat } from './consumer-group-heartbeat.js';
import { ConsumerGroupDescribe } from './consumer-group-describe.js';

/** group APIs (consumer groups and transactions), registered in protocol/apis.ts. */
export const GROUP_APIS: ApiDef[] = [
  OffsetCommit,
  OffsetFetch,
  FindCoordinator,
  JoinGroup,
  Heartbeat,
  LeaveGroup,
  SyncGroup,
  DescribeGroups,
  ListGroups,
  InitProducerId,
  OffsetForLeaderEpoch,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  EndTxn,
  WriteTxnMarkers,
  TxnOffsetCommit,
  DeleteGroups,
  OffsetDelete,
  ConsumerGroupHeartbeat,
  ConsumerGroupDescribe,
];
