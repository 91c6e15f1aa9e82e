// The classic group membership protocol (JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup) and its timers, as Kafka's GroupCoordinator runs it:
//
//  - a rebalance parks JoinGroup requests until every known member rejoined
//    or the delayed join expires (the group's largest rebalance.timeout.ms;
//    group.initial.rebalance.delay.ms, extended while members keep arriving,
//    when the group starts from Empty);
//  - joining completes a generation: members that did not rejoin are dropped
//    (static ones stay), a leader is elected among those that joined, the
//    protocol every member supports with the most votes is selected, and the
//    leader gets everyone's metadata;
//  - the leader's SyncGroup assignment is written to __consumer_offsets as
//    the group's metadata record, then every parked SyncGroup is answered and
//    the group is Stable; members that never sync within the rebalance timeout
//    are removed;
//  - each member's session timer (session.timeout.ms) is reset by heartbeats,
//    commits and completed joins/syncs; when it fires the member is removed
//    and the group rebalances;
//  - static members (group.instance.id, KIP-345) that rejoin with a new member
//    id replace their old id (fencing it) and, when the group is Stable and the
//    selected protocol would not change, keep their assignment with no rebalance.

import { ErrorCode } from '../../protocol/errors.js';
import { Logger } from '../../logger.js';
import { validateCurrentMember, type ClassicGroup } from './group.js';
import { EMPTY, joinError, Member, syncError, type JoinResult, type Protocol, type SyncResult } from './member.js';
import type { Time } from './time.js';

const log = new Logger('GroupCoordinator');

/** How long a new member may wait in its first JoinGroup before it is dropped (Kafka's NewMemberJoinTimeoutMs). */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface MembershipConfig {
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupMaxSize: number;
  groupInitialRebalanceDelayMs: number;
  /** Largest protocol metadata (all protocols of one member) a JoinGroup may carry. */
  maxMemberMetadataBytes: number;
}

/** What membership needs from the coordinator around it. */
export interface MembershipHost {
  readonly time: Time;
  config(): MembershipConfig;
  getGroup(groupId: string): ClassicGroup | undefined;
  getOrCreateGroup(groupId: string): ClassicGroup;
  /** Writes the group's metadata record with this assignment; resolves with an error code (0 when written). */
  storeGroup(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): Promise<number>;
}

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** JoinGroup v4+ for dynamic members: a first join gets MEMBER_ID_REQUIRED and a member id to rejoin with. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader of a Stable group may skip running its assignor. */
  supportSkippingAssignment: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  reason: string | null;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface LeaveMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export class Membership {
  constructor(private readonly host: MembershipHost) {}

  private get time(): Time {
    return this.host.time;
  }

  // ------------------------------------------------------------------ JoinGroup

  join(req: JoinRequest): Promise<JoinResult> {
    const cfg = this.host.config();
    if (req.sessionTimeoutMs < cfg.groupMinSessionTimeoutMs || req.sessionTimeoutMs > cfg.groupMaxSessionTimeoutMs) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    let metadataBytes = 0;
    for (const p of req.protocols) metadataBytes += p.metadata.length;
    if (metadataBytes > cfg.maxMemberMetadataBytes) {
      log.warn(`JoinGroup of ${req.memberId || 'a new member'} (client ${req.clientId}) to group ${req.groupId} refused: ${metadataBytes} bytes of protocol metadata exceed ${cfg.maxMemberMetadataBytes}`);
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_REQUEST));
    }
    // Parked requests keep what they reference: copy the metadata out of the request frame.
    const protocols = req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));
    const isUnknownMember = req.memberId === '';
    const group = isUnknownMember ? this.host.getOrCreateGroup(req.groupId) : this.host.getGroup(req.groupId);
    if (!group) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    return new Promise<JoinResult>((resolve) => {
      if (!this.acceptJoiningMember(group, req.memberId)) {
        const m = group.members.get(req.memberId);
        if (m) this.removeMember(group, m);
        resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
      } else if (isUnknownMember) {
        this.joinNewMember(group, req, protocols, resolve);
      } else {
        this.joinCurrentMember(group, req, protocols, resolve);
      }
      if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group);
    });
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.host.config().groupMaxSize;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance': {
        // The awaiting count, not the size: the size may exceed a lowered maximum, and this drops the last joiners.
        const m = group.members.get(memberId);
        return (m !== undefined && m.isAwaitingJoin) || group.numAwaiting < max;
      }
      case 'CompletingRebalance':
      case 'Stable':
        return group.has(memberId) || group.size < max;
    }
  }

  private joinNewMember(group: ClassicGroup, req: JoinRequest, protocols: Protocol[], resolve: (r: JoinResult) => void): void {
    if (group.is('Dead')) return resolve(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, protocols.map((p) => p.name))) {
      return resolve(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const newMemberId = group.generateMemberId(req.clientId, req.groupInstanceId);
    if (req.groupInstanceId !== null) {
      const oldMemberId = group.currentStaticMemberId(req.groupInstanceId);
      if (oldMemberId !== undefined) {
        log.info(`Static member with group.instance.id ${req.groupInstanceId} and unknown member id joins group ${group.groupId} in ${group.state} state; replacing member ${oldMemberId} with ${newMemberId}`);
        return this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, req, protocols, resolve);
      }
      return this.addMemberAndRebalance(group, newMemberId, req, protocols, resolve);
    }
    if (req.requireKnownMemberId) {
      // KIP-394: hand out the id first; the member joins again with it.
      group.addPendingMember(newMemberId, this.time.schedule(req.sessionTimeoutMs, () => this.expirePendingMember(group, newMemberId)));
      return resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    this.addMemberAndRebalance(group, newMemberId, req, protocols, resolve);
  }

  private joinCurrentMember(group: ClassicGroup, req: JoinRequest, protocols: Protocol[], resolve: (r: JoinResult) => void): void {
    const memberId = req.memberId;
    if (group.is('Dead')) return resolve(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, protocols.map((p) => p.name))) {
      return resolve(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.isPendingMember(memberId)) {
      if (req.groupInstanceId !== null) return resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return this.addMemberAndRebalance(group, memberId, req, protocols, resolve);
    }
    const error = validateCurrentMember(group, memberId, req.groupInstanceId);
    if (error !== ErrorCode.NONE) return resolve(joinError(memberId, error));
    const member = group.get(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req, protocols, resolve);
      case 'CompletingRebalance':
        if (member.matches(protocols)) {
          // It lost the JoinGroup response: the current generation again.
          return resolve(this.joinResult(group, member, group.isLeader(memberId), false));
        }
        return this.updateMemberAndRebalance(group, member, req, protocols, resolve);
      case 'Stable':
        if (group.isLeader(memberId) || !member.matches(protocols)) {
          // A leader's JoinGroup is how a consumer asks for a rebalance (for example after a metadata change).
          return this.updateMemberAndRebalance(group, member, req, protocols, resolve);
        }
        return resolve(this.joinResult(group, member, false, false));
      case 'Empty':
      case 'Dead':
        return resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private joinResult(group: ClassicGroup, member: Member, withMembers: boolean, skipAssignment: boolean, leader = group.leaderId ?? ''): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader,
      skipAssignment,
      members: withMembers ? group.currentMemberMetadata() : [],
    };
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, req: JoinRequest, protocols: Protocol[], resolve: (r: JoinResult) => void): void {
    const member = new Member(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocolType, protocols);
    member.isNew = true;
    // During the first rebalance of a new group, each arrival may extend the initial delay.
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, resolve);
    // A new member cannot heartbeat before its JoinGroup returns, and a parked request hides a
    // disconnect: give it NEW_MEMBER_JOIN_TIMEOUT_MS, after which a retry starts over.
    this.scheduleSession(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalance(group, `Adding new member ${memberId} with group instance id ${req.groupInstanceId}; client reason: ${req.reason ?? 'not provided'}`);
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: Member, req: JoinRequest, protocols: Protocol[], resolve: (r: JoinResult) => void): void {
    group.updateMember(member, protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, resolve);
    this.maybePrepareRebalance(group, `Member ${member.memberId} joining group during ${group.state}; client reason: ${req.reason ?? 'not provided'}`);
  }

  private updateStaticMemberAndRebalance(group: ClassicGroup, oldMemberId: string, newMemberId: string, req: JoinRequest, protocols: Protocol[], resolve: (r: JoinResult) => void): void {
    const instanceId = req.groupInstanceId!;
    const currentLeader = group.leaderId ?? '';
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId, {
      join: joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID),
      sync: syncError(ErrorCode.FENCED_INSTANCE_ID),
    });
    this.scheduleSession(group, member, member.sessionTimeoutMs);
    const oldProtocols = member.protocols;
    const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = member.sessionTimeoutMs;
    group.updateMember(member, protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, resolve);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) {
          this.maybePrepareRebalance(group, `Group's selected protocol will change because static member ${newMemberId} with instance id ${instanceId} joined with other protocols`);
          return;
        }
        // Same protocol: persist the new member id and hand the member its old assignment, no rebalance.
        const generation = group.generationId;
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment] as const));
        void this.host.storeGroup(group, assignment).then((error) => {
          if (error !== ErrorCode.NONE) {
            log.warn(`Failed to persist the new member id of static member ${instanceId} of group ${group.groupId}: error ${error}`);
            if (group.members.get(newMemberId) === member) {
              group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
              const restored = group.replaceStaticMember(instanceId, newMemberId, oldMemberId, { join: joinError(newMemberId, error), sync: syncError(error) });
              this.scheduleSession(group, restored, restored.sessionTimeoutMs);
            }
            resolve({ ...joinError('', error), generationId: generation, protocolType: group.protocolType, protocolName: group.protocolName, leader: currentLeader });
            return;
          }
          if (!group.has(newMemberId)) return;
          if (req.supportSkippingAssignment) {
            // JoinGroup v9+: the leader learns it leads but skips its assignor (the group keeps its assignment).
            const isLeader = group.isLeader(newMemberId);
            group.invokeJoin(member, this.joinResult(group, member, isLeader && group.is('Stable'), isLeader));
          } else {
            // Older versions: answer with the old leader id so a rejoining leader does not run a trivial assignment.
            group.invokeJoin(member, this.joinResult(group, member, false, false, currentLeader));
          }
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may already be assigning with the old member id: start over.
        this.prepareRebalance(group, `Updating metadata for static member ${newMemberId} with instance id ${instanceId}`);
        return;
      case 'PreparingRebalance':
        return;
      case 'Empty':
      case 'Dead':
        throw new Error(`group ${group.groupId} in state ${group.state} while static member ${instanceId} rejoins`);
    }
  }

  // ------------------------------------------------------------------ rebalance

  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const fromEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.time.now());
    log.info(`Preparing to rebalance group ${group.groupId} in state ${group.state} with old generation ${group.generationId} (reason: ${reason})`);
    if (fromEmpty) {
      const delay = this.host.config().groupInitialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.scheduleJoin(group);
      this.maybeCompleteJoin(group);
    }
  }

  private scheduleJoin(group: ClassicGroup): void {
    group.joinTimer?.cancel();
    group.joinIsInitial = false;
    group.joinTimer = this.time.schedule(group.rebalanceTimeoutMs, () => {
      group.joinTimer = null;
      this.completeJoin(group);
    });
  }

  private scheduleInitialJoin(group: ClassicGroup, configuredDelay: number, delayMs: number, remainingMs: number): void {
    group.joinTimer?.cancel();
    group.joinIsInitial = true;
    group.joinTimer = this.time.schedule(delayMs, () => {
      group.joinTimer = null;
      if (!group.is('PreparingRebalance')) return;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const delay = Math.min(configuredDelay, remainingMs);
        this.scheduleInitialJoin(group, configuredDelay, delay, Math.max(remainingMs - delayMs, 0));
      } else {
        this.completeJoin(group);
      }
    });
  }

  /** Completes the join phase early when everyone is in (never during the initial delay). */
  maybeCompleteJoin(group: ClassicGroup): void {
    if (group.is('PreparingRebalance') && !group.joinIsInitial && group.hasAllMembersJoined) this.completeJoin(group);
  }

  private completeJoin(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance')) return;
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.joinIsInitial = false;
    const dropped = group.notYetRejoinedMembers().filter((m) => !m.isStatic);
    if (dropped.length > 0) {
      log.info(`Group ${group.groupId} removed dynamic members who haven't joined: ${dropped.map((m) => m.memberId).join(', ')}`);
      for (const m of dropped) group.remove(m.memberId);
    }
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait another rebalance timeout, until session timeouts clear out the silent members.
      log.error(`Group ${group.groupId} could not complete rebalance because no members rejoined`);
      this.scheduleJoin(group);
      return;
    }
    group.initNextGeneration(this.time.now());
    if (group.is('Empty')) {
      log.info(`Group ${group.groupId} with generation ${group.generationId} is now empty`);
      void this.host.storeGroup(group, new Map()).then((error) => {
        if (error !== ErrorCode.NONE) log.warn(`Failed to write empty metadata for group ${group.groupId}: error ${error}`);
      });
      return;
    }
    log.info(`Stabilized group ${group.groupId} generation ${group.generationId} with ${group.size} members`);
    for (const member of [...group.members.values()]) {
      group.invokeJoin(member, this.joinResult(group, member, group.isLeader(member.memberId), false));
      this.scheduleSession(group, member, member.sessionTimeoutMs);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    this.schedulePendingSync(group);
  }

  private schedulePendingSync(group: ClassicGroup): void {
    group.syncTimer?.cancel();
    const generation = group.generationId;
    group.syncTimer = this.time.schedule(group.rebalanceTimeoutMs, () => {
      group.syncTimer = null;
      if (generation !== group.generationId) return;
      if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
      if (group.pendingSyncMembers.size === 0) return;
      const missing = [...group.pendingSyncMembers];
      for (const id of missing) group.remove(id);
      log.info(`Group ${group.groupId} removed members who haven't sent their sync request: ${missing.join(', ')}`);
      this.prepareRebalance(group, `Removing ${missing.join(', ')} on pending sync request expiration`);
    });
  }

  private removeSyncExpiration(group: ClassicGroup): void {
    group.pendingSyncMembers.clear();
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) {
      group.syncTimer?.cancel();
      group.syncTimer = null;
    }
  }

  private resetAndPropagateAssignmentError(group: ClassicGroup, error: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY;
    this.propagateAssignment(group, error);
  }

  private propagateAssignment(group: ClassicGroup, error: number): void {
    for (const m of [...group.members.values()]) {
      const result: SyncResult = error === ErrorCode.NONE
        ? { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment }
        : syncError(error);
      // Sessions restart once a member has its answer: it may have expired while parked.
      if (group.invokeSync(m, result)) this.scheduleSession(group, m, m.sessionTimeoutMs);
    }
  }

  // ------------------------------------------------------------------ SyncGroup

  sync(req: SyncRequest): Promise<SyncResult> {
    const group = this.host.getGroup(req.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return new Promise<SyncResult>((resolve) => {
      let error: number;
      if (group.is('Dead')) error = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      else {
        error = validateCurrentMember(group, req.memberId, req.groupInstanceId);
        if (error === ErrorCode.NONE) {
          if (req.generationId !== group.generationId) error = ErrorCode.ILLEGAL_GENERATION;
          else if (req.protocolType !== null && req.protocolType !== group.protocolType) error = ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
          else if (req.protocolName !== null && req.protocolName !== group.protocolName) error = ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
        }
      }
      if (error !== ErrorCode.NONE) return resolve(syncError(error));
      switch (group.state) {
        case 'Empty':
          return resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
        case 'PreparingRebalance':
          return resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        case 'CompletingRebalance': {
          const member = group.get(req.memberId);
          // A duplicate SyncGroup replaces the parked one, which is answered now.
          group.invokeSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = resolve;
          this.removePendingSyncMember(group, req.memberId);
          if (group.isLeader(req.memberId)) this.completeSync(group, req);
          return;
        }
        case 'Stable': {
          this.removePendingSyncMember(group, req.memberId);
          const member = group.get(req.memberId);
          resolve({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
          this.scheduleSession(group, member, member.sessionTimeoutMs);
          return;
        }
        case 'Dead':
          return resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
    });
  }

  /** The leader's assignment: written as the group's record, then handed out. */
  private completeSync(group: ClassicGroup, req: SyncRequest): void {
    log.info(`Assignment received from leader ${req.memberId} for group ${group.groupId} for generation ${group.generationId}. The group has ${group.size} members, ${group.staticMembers.size} of which are static.`);
    const assignment = new Map<string, Buffer>();
    for (const a of req.assignments) if (group.has(a.memberId)) assignment.set(a.memberId, Buffer.from(a.assignment));
    const missing = [...group.members.keys()].filter((id) => !assignment.has(id));
    if (missing.length > 0) log.warn(`Setting empty assignments for members ${missing.join(', ')} of ${group.groupId} for generation ${group.generationId}`);
    for (const id of missing) assignment.set(id, EMPTY);
    const generation = group.generationId;
    void this.host.storeGroup(group, assignment).then((error) => {
      // Another member may have joined meanwhile: act only on the generation this was for.
      if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
      if (error !== ErrorCode.NONE) {
        this.resetAndPropagateAssignmentError(group, error);
        this.maybePrepareRebalance(group, `Error ${error} when storing group assignment during SyncGroup (member: ${req.memberId})`);
        return;
      }
      for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY;
      this.propagateAssignment(group, ErrorCode.NONE);
      group.transitionTo('Stable', this.time.now());
    });
  }

  // ------------------------------------------------------------------ Heartbeat

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const group = this.host.getGroup(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = validateCurrentMember(group, memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'CompletingRebalance':
      case 'Stable':
        this.touch(group, group.get(memberId));
        return ErrorCode.NONE;
      case 'PreparingRebalance':
        this.touch(group, group.get(memberId));
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'Dead':
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  /** A sign of life from a member (heartbeat, commit): its session starts again. */
  touch(group: ClassicGroup, member: Member): void {
    this.scheduleSession(group, member, member.sessionTimeoutMs);
  }

  // ------------------------------------------------------------------ LeaveGroup

  leave(groupId: string, leaving: readonly LeaveMember[]): LeaveResult {
    const group = this.host.getGroup(groupId);
    const answer = (m: LeaveMember, errorCode: number) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((m) => {
      if (m.memberId === '') {
        // Administrative removal by group.instance.id (kafka-consumer-groups --delete-members).
        const current = m.groupInstanceId !== null ? group.currentStaticMemberId(m.groupInstanceId) : undefined;
        if (current === undefined) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
        this.removeLeavingMember(group, group.get(current), m.reason);
        return answer(m, ErrorCode.NONE);
      }
      if (group.isPendingMember(m.memberId)) {
        group.removePendingMember(m.memberId);
        if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group);
        return answer(m, ErrorCode.NONE);
      }
      const error = validateCurrentMember(group, m.memberId, m.groupInstanceId);
      if (error !== ErrorCode.NONE) return answer(m, error);
      this.removeLeavingMember(group, group.get(m.memberId), m.reason);
      return answer(m, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  private removeLeavingMember(group: ClassicGroup, member: Member, reason: string | null): void {
    log.info(`Member ${member.memberId} has left group ${group.groupId} through explicit LeaveGroup; client reason: ${reason ?? 'not provided'}`);
    this.removeMember(group, member);
  }

  /** Removes a member (leave, expiry) and moves the group on. */
  removeMember(group: ClassicGroup, member: Member): void {
    // A new member may still wait in JoinGroup: answer it so that it can retry.
    group.invokeJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    group.invokeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, `removing member ${member.memberId}`);
        break;
      case 'PreparingRebalance':
        this.maybeCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------ sessions

  private scheduleSession(group: ClassicGroup, member: Member, timeoutMs: number): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = this.time.schedule(timeoutMs, () => {
      member.sessionTimer = null;
      if (group.is('Dead') || group.members.get(member.memberId) !== member) return;
      if (member.hasSatisfiedHeartbeat) return;
      log.info(`Member ${member.memberId} in group ${group.groupId} has failed, removing it from the group`);
      this.removeMember(group, member);
    });
  }

  private expirePendingMember(group: ClassicGroup, memberId: string): void {
    if (group.is('Dead') || !group.isPendingMember(memberId)) return;
    log.info(`Pending member ${memberId} in group ${group.groupId} has been removed after session timeout expiration.`);
    group.pendingMembers.delete(memberId);
    if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group);
  }

  // ------------------------------------------------------------------ loading and unloading

  /** A group rebuilt from __consumer_offsets: its members' sessions start now. */
  onGroupLoaded(group: ClassicGroup): void {
    if (group.size > this.host.config().groupMaxSize) {
      this.prepareRebalance(group, `Freshly-loaded group is over capacity (${this.host.config().groupMaxSize}). Rebalancing in order to give a chance for consumers to commit offsets`);
    }
    for (const m of group.members.values()) this.scheduleSession(group, m, m.sessionTimeoutMs);
  }

  /** The group is no longer served here (shutdown, resignation): answer what is parked, stop its timers. */
  onGroupUnloaded(group: ClassicGroup): void {
    for (const m of group.members.values()) {
      group.invokeJoin(m, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
      group.invokeSync(m, syncError(ErrorCode.NOT_COORDINATOR));
      m.sessionTimer?.cancel();
      m.sessionTimer = null;
    }
    for (const id of [...group.pendingMembers.keys()]) group.removePendingMember(id);
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }
}
