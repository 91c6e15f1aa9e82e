// Python group members and group administration for the consumer-group
// tests: each member is its own process (py/group_consumer.py) printing JSON
// lines and taking commands on stdin; admin actions run py/group_admin.py.

import assert from 'node:assert/strict';
import path from 'node:path';
import { run, PYTHON, REPO } from './harness.js';
import { LineProcess, until, sortNum, type Rec, type Member } from './group-util.js';

const CONSUMER = path.join(REPO, 'test/integration/py/group_consumer.py');
const ADMIN = path.join(REPO, 'test/integration/py/group_admin.py');
export const SESSION_TIMEOUT_MS = 4000;
export const HEARTBEAT_MS = 500;

export type Client = 'confluent' | 'kafka-python';
export const CLIENTS: Client[] = ['confluent', 'kafka-python'];

export interface PyEvent {
  ev: string;
  [k: string]: any;
}

export interface MemberOptions {
  group?: string | null;
  topics?: string[];
  assign?: [string, number, number | null][];
  autoCommit?: boolean;
  reset?: 'earliest' | 'latest' | 'none';
  cooperative?: boolean;
  /** group.instance.id (static membership, confluent only here). */
  instanceId?: string;
  sessionTimeoutMs?: number;
  config?: Record<string, unknown>;
}

/** The client's own configuration for a member of `group`. */
export function clientConfig(client: Client, name: string, o: MemberOptions): Record<string, unknown> {
  const session = o.sessionTimeoutMs ?? SESSION_TIMEOUT_MS;
  if (client === 'confluent') {
    const c: Record<string, unknown> = {
      'client.id': name,
      'session.timeout.ms': session,
      'heartbeat.interval.ms': HEARTBEAT_MS,
      // librdkafka spells Java's "none" as "error".
      'auto.offset.reset': o.reset === 'none' ? 'error' : (o.reset ?? 'earliest'),
      'enable.auto.commit': o.autoCommit ?? true,
      'auto.commit.interval.ms': 200,
      'topic.metadata.refresh.interval.ms': 2000,
    };
    if (o.group !== null) c['group.id'] = o.group;
    if (o.cooperative) c['partition.assignment.strategy'] = 'cooperative-sticky';
    if (o.instanceId) c['group.instance.id'] = o.instanceId;
    return { ...c, ...o.config };
  }
  const c: Record<string, unknown> = {
    client_id: name,
    group_id: o.group ?? null,
    session_timeout_ms: session,
    heartbeat_interval_ms: HEARTBEAT_MS,
    auto_offset_reset: o.reset ?? 'earliest',
    enable_auto_commit: o.autoCommit ?? true,
    auto_commit_interval_ms: 200,
  };
  return { ...c, ...o.config };
}

/** One Python group member (py/group_consumer.py). */
export class PyMember implements Member {
  readonly lp: LineProcess;
  private nextId = 1;
  private parsed = 0;
  private readonly evs: PyEvent[] = [];

  constructor(
    readonly name: string,
    readonly client: Client,
    bootstrap: string,
    readonly topic: string,
    readonly opts: MemberOptions,
  ) {
    const params: Record<string, unknown> = { bootstrap, config: clientConfig(client, name, opts) };
    if (opts.assign) params.assign = opts.assign;
    else params.topics = opts.topics ?? [topic];
    this.lp = new LineProcess(`${name} (${client})`, PYTHON, [CONSUMER, client, JSON.stringify(params)]);
  }

  get events(): PyEvent[] {
    while (this.parsed < this.lp.out.length) {
      const line = this.lp.out[this.parsed++]!;
      if (!line.startsWith('{')) continue;
      try {
        this.evs.push(JSON.parse(line) as PyEvent);
      } catch {
        // a partial line cannot happen (LineProcess splits on newlines); anything else is not ours
      }
    }
    return this.evs;
  }

  /** Rebalance events for this test's topic, in order. */
  get rebalances(): { ev: 'assigned' | 'revoked' | 'lost'; partitions: number[] }[] {
    return this.events
      .filter((e) => e.ev === 'assigned' || e.ev === 'revoked' || e.ev === 'lost')
      .map((e) => ({ ev: e.ev as 'assigned' | 'revoked' | 'lost', partitions: sortNum((e.partitions as [string, number][]).filter(([t]) => t === this.topic).map(([, p]) => p)) }));
  }

  get assignment(): number[] {
    const held = new Set<number>();
    for (const e of this.rebalances) {
      if (e.ev === 'assigned') {
        // Eager protocols hand over the whole assignment; cooperative-sticky only what is added.
        if (!this.opts.cooperative) held.clear();
        for (const p of e.partitions) held.add(p);
      } else for (const p of e.partitions) held.delete(p);
    }
    return sortNum([...held]);
  }

  get records(): Rec[] {
    return this.events.filter((e) => e.ev === 'rec' && e.t === this.topic).map((e) => ({ partition: e.p, offset: e.o, value: e.v }));
  }

  get errors(): PyEvent[] {
    return this.events.filter((e) => e.ev === 'error' || e.ev === 'fatal');
  }

  async ready(): Promise<void> {
    await until(`${this.lp.name} to start`, () => (this.events.some((e) => e.ev === 'ready') ? true : undefined), 30000, [this.lp]);
  }

  /** Sends a command and waits for its reply; fails on an error reply. */
  async cmd(op: string, args: Record<string, unknown> = {}, timeoutMs = 30000): Promise<PyEvent> {
    const id = this.nextId++;
    this.lp.send(JSON.stringify({ id, op, ...args }));
    const reply = await until(
      `${this.lp.name} to answer ${op}`,
      () => this.events.find((e) => e.ev === 'reply' && e.id === id) ?? (this.lp.running ? undefined : ({ ev: 'reply', ok: false, error: 'process exited' } as PyEvent)),
      timeoutMs,
      [this.lp],
    );
    assert.equal(reply.ok, true, `${this.lp.name} ${op} failed: ${JSON.stringify(reply.error)}\n${this.lp.dump()}`);
    return reply;
  }

  /** Closes the consumer (committing if auto-commit is on, and leaving the group) and waits for the process to exit. */
  async close(): Promise<void> {
    await this.cmd('close');
    await this.lp.exited;
    assert.equal(this.lp.exitCode, 0, this.lp.dump());
  }
}

/** Runs one py/group_admin.py action against `bootstrap`; returns the JSON it printed. */
export async function pyAdmin<T = any>(bootstrap: string, action: string, params: Record<string, unknown>): Promise<T> {
  const r = await run(PYTHON, [ADMIN, action, JSON.stringify({ bootstrap, ...params })], { timeoutMs: 60000 });
  assert.equal(r.status, 0, `group_admin.py ${action} exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}
