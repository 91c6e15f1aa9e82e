// Consumer-group benchmark, run by hand: `npm run bench:groups` (builds, then
// runs dist/bench/groups.js). Not part of the test suite.
//
// One Samsa broker process with group.initial.rebalance.delay.ms=0 (so a
// new group's first rebalance is not held back 3 s waiting for more
// members). It measures, each as the median of several runs:
//  (a) join → Stable with 1, 10 and 100 members, two ways:
//      - our Consumer: N consumers in this process subscribe to one topic of
//        100 partitions and poll(); timed from the first subscribe() to the
//        broker describing the group Stable with all N members (DescribeGroups
//        every 5 ms over its own connection), with the client's defaults
//        (range assignor, heartbeat.interval.ms=3000);
//      - raw members: N connections speaking JoinGroup v9 / SyncGroup v5 /
//        Heartbeat v4 themselves (test/integration/raw-client.ts): join,
//        rejoin with the member id the broker gave, the leader computes a
//        range assignment, everyone syncs; a member whose SyncGroup or
//        Heartbeat (every 25 ms once synced) answers REBALANCE_IN_PROGRESS
//        rejoins at once. Timed from the first JoinGroup to every one of the
//        N members having synced in a generation of N members: the broker's
//        part with members as prompt as they can be.
//      Each run also counts the generations it took.
//  (b) commit throughput: pre-encoded OffsetCommit v8 requests (one topic, 4
//      partitions per request, generation -1: simple groups), pipelined 16
//      deep per connection over 1, 4 and 16 connections (one group each),
//      300 ms warm-up + 2 s measured; requests/s and offsets/s.
//
// Options: --runs N (default 3), --json FILE, --profile (a fresh broker under
// node --cpu-prof for a 4 s commit run over 1 and over 16 connections;
// prints the functions with the most self time over the broker's life).

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { RawClient } from '../test/integration/raw-client.js';
import { Consumer } from '../src/index.js';
import { encodeAssignment, encodeSubscription } from '../src/client/consumer-protocol.js';
import { startBroker, type BrokerHandle } from './lib/broker.js';
import { FrameScanner, decodeResponse, encodeRequest, median } from './lib/wire.js';
import { createTopic, fmt, log, pct, sleep, topSelfTime, withClient, withLoad } from './lib/common.js';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
    profile: { type: 'boolean' },
  },
});
const RUNS = Math.max(1, Number(opts.runs));
const MEMBERS = [1, 10, 100];
const TOPIC = 'group-bench';
const TOPIC_PARTITIONS = 100;
const RAW_HEARTBEAT_MS = 25;
const STABLE_POLL_MS = 5;
const JOIN_TIMEOUT_MS = 120_000;
const COMMIT_CONNS = [1, 4, 16];
const COMMIT_DEPTH = 16;
const COMMIT_PARTITIONS = 4;
const COMMIT_WARMUP_MS = 300;
const COMMIT_MS = 2000;

const OFFSET_COMMIT = 8;
const OFFSET_COMMIT_VERSION = 8;
const REBALANCE_IN_PROGRESS = 27;
const MEMBER_ID_REQUIRED = 79;

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-groups-'));
const live = new Set<BrokerHandle>();
const results: Record<string, unknown> = {};
let groupSeq = 0;

async function brokerOn(name: string, nodeArgs: string[] = []): Promise<BrokerHandle> {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  const b = await startBroker({ dir, overrides: { 'group.initial.rebalance.delay.ms': '0' }, nodeArgs });
  live.add(b);
  return b;
}

async function stopBroker(b: BrokerHandle): Promise<void> {
  await b.stop();
  live.delete(b);
  fs.rmSync(b.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- (a) join → Stable

interface JoinRun {
  ms: number;
  generations: number;
}

/** Resolves with the time (performance.now()) the broker first describes the group Stable with n members. */
async function untilStable(port: number, groupId: string, n: number, deadline: number): Promise<number> {
  return withClient(port, async (c) => {
    for (;;) {
      const r = await c.request(15, 5, { groups: [groupId], includeAuthorizedOperations: false });
      const g = r.groups[0];
      const now = performance.now();
      if (g.groupState === 'Stable' && g.members.length === n) return now;
      if (now > deadline) throw new Error(`group ${groupId} not Stable with ${n} members in time (state ${g.groupState}, ${g.members.length} members)`);
      await sleep(STABLE_POLL_MS);
    }
  });
}

async function joinWithClient(b: BrokerHandle, n: number): Promise<JoinRun> {
  const groupId = `client-join-${n}-${++groupSeq}`;
  const consumers = Array.from(
    { length: n },
    (_, i) => new Consumer({ bootstrapServers: `127.0.0.1:${b.port}`, groupId, clientId: `bench-member-${i}`, enableAutoCommit: false, autoOffsetReset: 'earliest' }),
  );
  let stop = false;
  // (No CPU figures: /proc counts 10 ms ticks, too coarse for joins of a few ms.)
  const r = await (async () => {
    const t0 = performance.now();
    for (const c of consumers) c.subscribe([TOPIC]);
    const polling = consumers.map(async (c) => {
      while (!stop) await c.poll(100);
    });
    const end = await untilStable(b.port, groupId, n, t0 + JOIN_TIMEOUT_MS);
    stop = true;
    await Promise.all(polling);
    const generations = Math.max(...consumers.map((c) => c.groupMetadata()!.generationId));
    return { ms: end - t0, generations };
  })();
  await Promise.all(consumers.map((c) => c.close()));
  return r;
}

async function joinRaw(b: BrokerHandle, n: number): Promise<JoinRun> {
  const groupId = `raw-join-${n}-${++groupSeq}`;
  await findCoordinator(b.port, groupId);
  const conns = await Promise.all(Array.from({ length: n }, () => RawClient.connect(b.port)));
  // RawClient writes a request's encoded chunks one by one; with Nagle's algorithm a SyncGroup whose
  // assignment bytes are a chunk of their own would wait ~40 ms for the broker's delayed ACK.
  for (const c of conns) c.socket.setNoDelay(true);
  const metadata = encodeSubscription({ topics: [TOPIC], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  const synced = new Map<number, Set<string>>();
  const sizes = new Map<number, number>();
  let done: (t: number) => void;
  let fail: (e: Error) => void;
  const finished = new Promise<number>((res, rej) => {
    done = res;
    fail = rej;
  });
  let over = false;
  const member = async (c: RawClient): Promise<void> => {
    let memberId = '';
    while (!over) {
      const j = await c.request(11, 9, {
        groupId,
        sessionTimeoutMs: 45000,
        rebalanceTimeoutMs: 60000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata }],
        reason: null,
      });
      if (j.errorCode === MEMBER_ID_REQUIRED) {
        memberId = j.memberId;
        continue;
      }
      if (j.errorCode === REBALANCE_IN_PROGRESS) continue;
      if (j.errorCode !== 0) throw new Error(`JoinGroup: error ${j.errorCode}`);
      memberId = j.memberId;
      const gen: number = j.generationId;
      let assignments: { memberId: string; assignment: Buffer }[] = [];
      if (j.leader === memberId) {
        const ids: string[] = j.members.map((m: { memberId: string }) => m.memberId).sort();
        sizes.set(gen, ids.length);
        const per = Math.floor(TOPIC_PARTITIONS / ids.length);
        const extra = TOPIC_PARTITIONS % ids.length;
        let next = 0;
        assignments = ids.map((id, i) => {
          const count = per + (i < extra ? 1 : 0);
          const partitions = Array.from({ length: count }, (_, k) => ({ topic: TOPIC, partition: next + k }));
          next += count;
          return { memberId: id, assignment: encodeAssignment({ partitions }) };
        });
      }
      const s = await c.request(14, 5, { groupId, generationId: gen, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: j.protocolName, assignments });
      if (s.errorCode === REBALANCE_IN_PROGRESS) continue;
      if (s.errorCode !== 0) throw new Error(`SyncGroup: error ${s.errorCode}`);
      let set = synced.get(gen);
      if (!set) synced.set(gen, (set = new Set()));
      set.add(memberId);
      if (set.size === n && sizes.get(gen) === n) {
        over = true;
        done(performance.now());
        return;
      }
      for (;;) {
        await sleep(RAW_HEARTBEAT_MS);
        if (over) return;
        const h = await c.request(12, 4, { groupId, generationId: gen, memberId, groupInstanceId: null });
        if (h.errorCode === REBALANCE_IN_PROGRESS) break;
        if (h.errorCode !== 0) throw new Error(`Heartbeat: error ${h.errorCode}`);
      }
    }
  };
  const r = await (async () => {
    const t0 = performance.now();
    for (const c of conns) member(c).catch((e) => fail(e as Error));
    const timer = setTimeout(() => fail(new Error(`raw group of ${n} not Stable within ${JOIN_TIMEOUT_MS} ms`)), JOIN_TIMEOUT_MS);
    const end = await finished;
    clearTimeout(timer);
    return { ms: end - t0, generations: Math.max(...synced.keys()) };
  })();
  over = true;
  for (const c of conns) c.close();
  return r;
}

// ---------------------------------------------------------------- (b) commit throughput

interface CommitRun {
  requestsPerSec: number;
  offsetsPerSec: number;
  errors: number;
  brokerCpu: number;
  others: number;
}

function commitPool(groupId: string): Buffer[] {
  const pool: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    pool.push(
      encodeRequest(OFFSET_COMMIT, OFFSET_COMMIT_VERSION, i + 1, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: TOPIC,
            partitions: Array.from({ length: COMMIT_PARTITIONS }, (_, p) => ({
              partitionIndex: p,
              committedOffset: 1000 * (i + 1) + p,
              committedLeaderEpoch: -1,
              committedMetadata: '',
            })),
          },
        ],
      }),
    );
  }
  return pool;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

/** FindCoordinator until the group's coordinator is ready, as a client does before committing (the first one creates __consumer_offsets). */
async function findCoordinator(port: number, groupId: string): Promise<void> {
  await withClient(port, async (c) => {
    const deadline = performance.now() + 30000;
    for (;;) {
      const r = await c.request(10, 4, { keyType: 0, coordinatorKeys: [groupId] });
      const code = r.coordinators[0].errorCode;
      if (code === 0) return;
      if (performance.now() > deadline) throw new Error(`FindCoordinator ${groupId}: error ${code}`);
      await sleep(10);
    }
  });
}

async function commits(b: BrokerHandle, conns: number, durationMs = COMMIT_MS): Promise<CommitRun> {
  const sockets = await Promise.all(Array.from({ length: conns }, () => connect(b.port)));
  const groups = sockets.map(() => `commit-bench-${++groupSeq}`);
  for (const g of groups) await findCoordinator(b.port, g);
  const pools = groups.map((g) => commitPool(g));
  let errors = 0;
  const codes = new Set<number>();
  let done = 0;
  let t0 = 0;
  let c0 = 0;
  let t1 = 0;
  let c1 = 0;
  let inFlight = 0;
  let stop = false;
  const { r, ...load } = await withLoad(b.pid, async () => {
    const start = performance.now();
    const warmEnd = start + COMMIT_WARMUP_MS;
    const deadline = warmEnd + durationMs;
    await new Promise<void>((resolve, reject) => {
      sockets.forEach((s, i) => {
        const pool = pools[i]!;
        let k = 0;
        let n = 0;
        const send = () => {
          inFlight++;
          s.write(pool[k++ & 7]!);
        };
        const scanner = new FrameScanner(
          (_size, body) => {
            done++;
            inFlight--;
            if (body) {
              const res = decodeResponse(OFFSET_COMMIT, OFFSET_COMMIT_VERSION, body);
              for (const t of res.topics) {
                for (const p of t.partitions) {
                  if (p.errorCode !== 0) {
                    errors++;
                    codes.add(p.errorCode);
                  }
                }
              }
            }
            const now = performance.now();
            if (t0 === 0 && now >= warmEnd) {
              t0 = now;
              c0 = done;
            }
            if (!stop && now >= deadline) {
              stop = true;
              t1 = now;
              c1 = done;
            }
            if (!stop) send();
            else if (inFlight === 0) resolve();
          },
          () => (n++ & 15) === 0,
        );
        s.on('data', (d: Buffer) => scanner.push(d));
        s.on('error', reject);
        for (let d = 0; d < COMMIT_DEPTH; d++) send();
      });
    });
    const seconds = (t1 - t0) / 1000;
    return { requestsPerSec: (c1 - c0) / seconds };
  });
  for (const s of sockets) s.destroy();
  if (errors) throw new Error(`${errors} partition errors (codes ${[...codes].join(', ')}) in the sampled OffsetCommit responses`);
  return { requestsPerSec: r.requestsPerSec, offsetsPerSec: r.requestsPerSec * COMMIT_PARTITIONS, errors, brokerCpu: load.brokerCpu, others: load.others };
}

// ---------------------------------------------------------------- profile

async function profileBroker(): Promise<Record<string, { name: string; share: number }[]>> {
  const out: Record<string, { name: string; share: number }[]> = {};
  const jobs: [string, (b: BrokerHandle) => Promise<unknown>][] = [
    ['commits, 1 connection', (b) => commits(b, 1, 4000)],
    ['commits, 16 connections', (b) => commits(b, 16, 4000)],
  ];
  for (const [what, job] of jobs) {
    const profDir = path.join(tmpRoot, `prof-${Object.keys(out).length}`);
    fs.mkdirSync(profDir);
    const b = await brokerOn(`profile-${Object.keys(out).length}`, ['--cpu-prof', '--cpu-prof-dir', profDir]);
    await createTopic(b.port, TOPIC, TOPIC_PARTITIONS);
    await job(b);
    await stopBroker(b);
    const f = fs.readdirSync(profDir).find((x) => x.endsWith('.cpuprofile'));
    if (!f) throw new Error('the broker wrote no .cpuprofile');
    out[what] = topSelfTime(path.join(profDir, f), 15);
    log(`\n  broker profile, ${what} (whole broker life, start-up included): self time, share of busy samples`);
    for (const t of out[what]!) log(`    ${pct(t.share).padStart(4)}  ${t.name}`);
  }
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = performance.now();
  const machine = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    kernel: os.release(),
  };
  results.machine = machine;
  log(
    `Samsa consumer-group benchmark — ${machine.date}\n` +
      `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${fmt(machine.memoryGiB, 1)} GiB, Linux ${machine.kernel}, Node ${machine.node}; ` +
      `broker with group.initial.rebalance.delay.ms=0; medians of ${RUNS} runs`,
  );
  const b = await brokerOn('main');
  await createTopic(b.port, TOPIC, TOPIC_PARTITIONS);
  // Warm-up, not measured: the first group use creates __consumer_offsets, and the broker's code paths get compiled.
  await joinWithClient(b, 10);
  await joinRaw(b, 10);
  await commits(b, 4, 500);

  log(
    `\n(a) join → Stable, one topic of ${TOPIC_PARTITIONS} partitions. Our Consumer: N consumers in this process, defaults ` +
      `(range, heartbeat.interval.ms=3000), until DescribeGroups says Stable with N members. ` +
      `Raw: N connections doing JoinGroup/SyncGroup themselves, heartbeating every ${RAW_HEARTBEAT_MS} ms once synced`,
  );
  const join: Record<string, Record<number, JoinRun[]>> = { client: {}, raw: {} };
  for (const n of MEMBERS) {
    for (const kind of ['client', 'raw'] as const) {
      const runs: JoinRun[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = kind === 'client' ? await joinWithClient(b, n) : await joinRaw(b, n);
        runs.push(r);
        log(
          `  ${String(n).padStart(3)} members, ${kind === 'client' ? 'our Consumer' : 'raw members '} run ${i + 1}: ${fmt(r.ms, 1).padStart(8)} ms, ` +
            `generation ${r.generations}`,
        );
      }
      join[kind]![n] = runs;
    }
  }

  log(
    `\n(b) OffsetCommit throughput: pre-encoded v8 requests of ${COMMIT_PARTITIONS} partitions (simple groups, generation -1), ` +
      `${COMMIT_DEPTH} in flight per connection, one group per connection, ${COMMIT_WARMUP_MS} ms warm-up + ${COMMIT_MS} ms`,
  );
  const commit: Record<number, CommitRun[]> = {};
  for (let i = 0; i < RUNS; i++) {
    for (const conns of COMMIT_CONNS) {
      const r = await commits(b, conns);
      (commit[conns] ??= []).push(r);
      log(
        `  ${String(conns).padStart(2)} connection${conns === 1 ? ' ' : 's'} run ${i + 1}: ${fmt(r.requestsPerSec).padStart(7)} requests/s ` +
          `(${fmt(r.offsetsPerSec)} offsets/s; broker CPU ${fmt(r.brokerCpu * 100)}%, other processes ${fmt(r.others, 2)} cores)`,
      );
    }
  }
  await stopBroker(b);

  log('\nSummary (medians)');
  log(`  join → Stable          ${MEMBERS.map((n) => `${n} member${n === 1 ? '' : 's'}`.padStart(22)).join('')}`);
  for (const kind of ['client', 'raw'] as const) {
    log(
      `  ${(kind === 'client' ? 'our Consumer' : 'raw members').padEnd(22)}` +
        MEMBERS.map((n) => {
          const runs = join[kind]![n]!;
          return `${fmt(median(runs.map((r) => r.ms)), 1)} ms (gen ${median(runs.map((r) => r.generations))})`.padStart(22);
        }).join(''),
    );
  }
  for (const conns of COMMIT_CONNS) {
    const runs = commit[conns]!;
    log(
      `  OffsetCommit, ${String(conns).padStart(2)} connection${conns === 1 ? ': ' : 's:'} ${fmt(median(runs.map((r) => r.requestsPerSec))).padStart(7)} requests/s, ` +
        `${fmt(median(runs.map((r) => r.offsetsPerSec)))} offsets/s (broker CPU ${fmt(median(runs.map((r) => r.brokerCpu)) * 100)}%)`,
    );
  }
  results.join = join;
  results.commit = commit;

  if (opts.profile) {
    log('\nProfiling the broker (node --cpu-prof)');
    results.profile = await profileBroker();
  }
  log(`\nbenchmark took ${fmt((performance.now() - started) / 1000)} s`);
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(results, null, 2));
}

async function cleanup(): Promise<void> {
  for (const b of live) await b.stop().catch(() => {});
  fs.rmSync(tmpRoot, { recursive: true, force: true });
}

process.on('SIGINT', () => {
  void cleanup().then(() => process.exit(130));
});

main().then(
  () => cleanup().then(() => process.exit(0)),
  async (err) => {
    process.stderr.write(`benchmark failed: ${(err as Error)?.stack ?? err}\n`);
    await cleanup();
    process.exit(1);
  },
);
