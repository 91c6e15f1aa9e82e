// The classic group state machine as data: the five states, the transitions
// each allows, and how each state answers each request (the same table Kafka
// documents in GroupMetadata.scala). The coordinator consults
// `canTransition` on every move, so an illegal move is a bug caught at once,
// never a silently corrupted group.

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

/** For each state, the states a group may come from. */
export const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export function canTransition(from: GroupState, to: GroupState): boolean {
  return VALID_PREVIOUS_STATES[to].includes(from);
}

/**
 * How each state answers each request. Documentation that the code follows;
 * the unit tests walk these cases.
 */
export const STATE_BEHAVIOUR: Readonly<Record<GroupState, Readonly<Record<string, string>>>> = {
  Empty: {
    description: 'No members. Also the state of groups that only store offsets ("simple" consumers).',
    JoinGroup: 'new members are accepted; the first join starts a rebalance delayed by group.initial.rebalance.delay.ms',
    SyncGroup: 'UNKNOWN_MEMBER_ID',
    Heartbeat: 'UNKNOWN_MEMBER_ID',
    LeaveGroup: 'UNKNOWN_MEMBER_ID per member',
    OffsetCommit: 'accepted from non-members with generation -1; a generation >= 0 is checked as for members',
    OffsetFetch: 'served',
    transitions: 'JoinGroup -> PreparingRebalance; all offsets expired or DeleteGroups -> Dead',
  },
  PreparingRebalance: {
    description: 'Waiting for every known member to rejoin (at most the rebalance timeout).',
    JoinGroup: 'parked until all members joined or the delayed join expires',
    SyncGroup: 'REBALANCE_IN_PROGRESS',
    Heartbeat: 'REBALANCE_IN_PROGRESS (the session timer is still reset)',
    LeaveGroup: 'member removed; the join may complete',
    OffsetCommit: 'accepted from members of the previous generation',
    OffsetFetch: 'served',
    transitions: 'join complete with members -> CompletingRebalance; without members -> Empty',
  },
  CompletingRebalance: {
    description: 'Joined; waiting for the leader\'s assignment in SyncGroup.',
    JoinGroup: 'same metadata: the current generation again; changed metadata: rebalance',
    SyncGroup: 'parked until the leader\'s assignment is written; the leader\'s completes the generation',
    Heartbeat: 'accepted (clients may heartbeat between join and sync)',
    LeaveGroup: 'member removed and rebalance',
    OffsetCommit: 'REBALANCE_IN_PROGRESS',
    OffsetFetch: 'served',
    transitions: 'assignment written -> Stable; join with new metadata, leave, expiry -> PreparingRebalance',
  },
  Stable: {
    description: 'Every member has its assignment.',
    JoinGroup: 'leader or changed metadata: rebalance; follower with the same metadata: the current generation; known static member: replaced without rebalance',
    SyncGroup: 'the member\'s current assignment',
    Heartbeat: 'accepted',
    LeaveGroup: 'member removed and rebalance',
    OffsetCommit: 'accepted from members of the current generation',
    OffsetFetch: 'served',
    transitions: 'leave, expiry, leader join, metadata change -> PreparingRebalance',
  },
  Dead: {
    description: 'Being removed (deleted, or expired with no offsets left). Never leaves this state.',
    JoinGroup: 'COORDINATOR_NOT_AVAILABLE (the client rediscovers the coordinator and retries)',
    SyncGroup: 'COORDINATOR_NOT_AVAILABLE',
    Heartbeat: 'COORDINATOR_NOT_AVAILABLE',
    LeaveGroup: 'COORDINATOR_NOT_AVAILABLE',
    OffsetCommit: 'COORDINATOR_NOT_AVAILABLE',
    OffsetFetch: 'no offsets',
    transitions: 'none',
  },
};
