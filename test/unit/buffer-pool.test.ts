import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { BufferPool, ReadLeases } from '../../src/storage/buffer-pool.js';
import { Connection, type FrameProcessor } from '../../src/broker/network/connection.js';
import { FrameReader } from '../../src/broker/network/frame-reader.js';
import { Log } from '../../src/storage/log.js';
import { batchOf, config, rmDir, tmpDir } from './storage/helpers.js';

const MiB = 1 << 20;

test('size classes: four per power of two, never smaller than asked', () => {
  assert.equal(BufferPool.classOf(1), 16 * 1024);
  assert.equal(BufferPool.classOf(MiB), MiB);
  assert.equal(BufferPool.classOf(MiB + 4157), 1.25 * MiB);
  assert.equal(BufferPool.classOf(1.5 * MiB + 1), 1.75 * MiB);
  for (let size = 1; size < 64 * MiB; size = Math.ceil(size * 1.37) + 11) {
    const cls = BufferPool.classOf(size);
    assert.ok(cls >= size, `class ${cls} for ${size}`);
    assert.ok(cls <= Math.max(16 * 1024, size * 1.25 + 1), `class ${cls} for ${size} wastes too much`);
  }
});

test('a released buffer is reused; one still lent is never handed out again', () => {
  const pool = new BufferPool({ idleTrimMs: 0 });
  const a = pool.acquire(MiB + 100);
  assert.equal(a.length, 1.25 * MiB);
  const b = pool.acquire(MiB + 100);
  assert.notEqual(a, b);
  // Same class, a and b both lent: a third acquire must not get either.
  const c = pool.acquire(MiB + 5000);
  assert.ok(c !== a && c !== b);
  pool.release(b);
  assert.equal(pool.acquire(MiB + 1), b, 'the released one comes back');
  const d = pool.acquire(MiB + 1);
  assert.ok(d !== a && d !== b && d !== c, 'a and c are still lent');
  assert.deepEqual(
    { reused: pool.stats().reused, allocated: pool.stats().allocated, lent: pool.stats().lent },
    { reused: 1, allocated: 4, lent: 4 },
  );
  pool.close();
});

test('a second release, a slice or a foreign buffer are ignored', () => {
  const pool = new BufferPool({ idleTrimMs: 0 });
  const a = pool.acquire(64 * 1024);
  pool.release(a);
  pool.release(a);
  pool.release(a.subarray(0, 10));
  pool.release(Buffer.alloc(64 * 1024));
  assert.equal(pool.stats().freeBytes, 64 * 1024, 'one buffer in the free list');
  const x = pool.acquire(64 * 1024);
  const y = pool.acquire(64 * 1024);
  assert.equal(x, a);
  assert.notEqual(y, a, 'a was not queued twice');
  // a, lent again, is released by its new holder only once more.
  pool.release(x);
  assert.equal(pool.stats().lent, 1);
  pool.close();
});

test('the free lists are bounded; oversized requests are never pooled', () => {
  const pool = new BufferPool({ idleTrimMs: 0, maxFreeBytes: 3 * MiB, maxBufferSize: 4 * MiB });
  const bufs = Array.from({ length: 10 }, () => pool.acquire(MiB));
  for (const b of bufs) pool.release(b);
  assert.equal(pool.stats().freeBytes, 3 * MiB);
  assert.equal(pool.stats().lent, 0);
  const big = pool.acquire(5 * MiB);
  assert.equal(big.length, 5 * MiB);
  pool.release(big);
  assert.equal(pool.stats().freeBytes, 3 * MiB);
  assert.equal(pool.stats().oversized, 1);
  pool.trim();
  assert.equal(pool.stats().freeBytes, 0);
  pool.close();
});

test('ReadLeases hands every buffer a read used back at once', async () => {
  const pool = new BufferPool({ idleTrimMs: 0 });
  const dir = tmpDir();
  try {
    const log = await Log.open(path.join(dir, 't-0'), 't', 0, config(), { hadCleanShutdown: true });
    const batches = Array.from({ length: 20 }, () => batchOf(50));
    await Promise.all(batches.map((b) => log.append(b).written));
    const leases = new ReadLeases(pool);
    const r = await log.read(0, 1 << 20, { minOneBatch: true, alloc: leases.alloc });
    assert.equal(r.outOfRange, false);
    if (r.outOfRange) return;
    assert.deepEqual(Buffer.concat(r.records), Buffer.concat(batches));
    assert.ok(leases.count >= 1);
    assert.equal(pool.stats().lent, leases.count);
    for (const rec of r.records) assert.ok(pool.stats().lent > 0 && rec.buffer.byteLength >= rec.length);
    leases.releaseAll();
    assert.equal(pool.stats().lent, 0);
    // Reads without an allocator take fresh Buffers and leave the pool alone.
    const fresh = await log.read(0, 1 << 20, { minOneBatch: true });
    assert.equal(fresh.outOfRange, false);
    assert.equal(pool.stats().lent, 0);
    await log.close();
  } finally {
    rmDir(dir);
    pool.close();
  }
});

// ---- Connection: releases run after the response's write, or when the socket goes away

function frame(correlationId: number): Buffer {
  const f = Buffer.alloc(12);
  f.writeInt32BE(8, 0);
  f.writeInt16BE(1, 4); // api key
  f.writeInt16BE(12, 6); // version
  f.writeInt32BE(correlationId, 8);
  return f;
}

async function withConnection(
  processor: FrameProcessor,
  fn: (client: net.Socket, server: () => Connection) => Promise<void>,
): Promise<void> {
  let conn: Connection | null = null;
  const server = net.createServer((socket) => {
    conn = new Connection(
      socket,
      'PLAINTEXT',
      'PLAINTEXT',
      { maxRequestSize: 1 << 20, maxInFlight: 64, maxQueuedResponseBytes: 64 << 20, idleTimeoutMs: 60_000 },
      processor,
      () => {},
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  try {
    await fn(client, () => conn!);
  } finally {
    client.destroy();
    server.close();
  }
}

/** A response of `size` bytes (size prefix included) that refers to `body` by reference. */
function responseOf(correlationId: number, body: Buffer): Buffer[] {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + body.length, 0);
  head.writeInt32BE(correlationId, 4);
  return [head, body];
}

test('a response buffer is released only after the client has been sent all of it', async () => {
  const body = Buffer.alloc(8 * MiB, 7);
  let released = 0;
  let received = 0;
  const processor: FrameProcessor = (f, conn) => {
    const id = f.readInt32BE(4);
    conn.releaseAfterResponse(id, () => released++);
    return new Promise((resolve) => setImmediate(() => resolve(responseOf(id, body))));
  };
  await withConnection(processor, async (client) => {
    client.pause();
    client.write(frame(42));
    // The client does not read: 8 MiB cannot all be written, so the write stays pending.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(released, 0, 'not released while the write is pending');
    const all = new Promise<void>((resolve) =>
      client.on('data', (d: Buffer) => {
        received += d.length;
        if (received === 8 + body.length) resolve();
      }),
    );
    client.resume();
    await all;
    while (released === 0) await new Promise((r) => setImmediate(r));
    assert.equal(released, 1);
  });
});

test('a socket closed with writes pending releases their buffers, and those of requests not yet answered', async () => {
  const body = Buffer.alloc(16 * MiB, 1);
  const released = new Set<number>();
  let answerLate!: () => void;
  const processor: FrameProcessor = (f, conn) => {
    const id = f.readInt32BE(4);
    if (id === 3) {
      // Still in the handler when the socket goes: registers afterwards.
      return new Promise((resolve) => {
        answerLate = () => {
          conn.releaseAfterResponse(id, () => released.add(id));
          resolve(responseOf(id, body));
        };
      });
    }
    conn.releaseAfterResponse(id, () => released.add(id));
    return responseOf(id, body);
  };
  let serverConn!: () => Connection;
  await withConnection(processor, async (client, conn) => {
    serverConn = conn;
    client.pause();
    client.write(Buffer.concat([frame(1), frame(2), frame(3)]));
    while (answerLate === undefined) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(released.size, 0, 'two 16 MiB responses cannot have been written to a client that does not read');
    client.destroy();
    while (!serverConn().isClosed) await new Promise((r) => setTimeout(r, 5));
    // Responses 1 and 2 were handed to the socket; they come back when it closes.
    while (released.size < 2) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual([...released].sort(), [1, 2]);
    answerLate();
    await new Promise((r) => setImmediate(r));
    assert.ok(released.has(3), 'a handler finishing after the close releases at once');
  });
});

test('a request answered with no response (acks=0) releases at once; a reused correlation id waits for the later response', async () => {
  const events: string[] = [];
  const gates = new Map<number, () => void>();
  const processor: FrameProcessor = (f, conn) => {
    const n = f.readInt16BE(0);
    const id = f.readInt32BE(4);
    if (n === 0) {
      conn.releaseAfterResponse(id, () => events.push(`release none ${id}`));
      return null;
    }
    return new Promise((resolve) => {
      gates.set(n, () => {
        conn.releaseAfterResponse(id, () => events.push(`release ${n}`));
        resolve(responseOf(id, Buffer.alloc(1024, n)));
      });
    });
  };
  const framed = (apiKey: number, id: number) => {
    const f = frame(id);
    f.writeInt16BE(apiKey, 4);
    return f;
  };
  await withConnection(processor, async (client) => {
    let got = 0;
    client.on('data', (d: Buffer) => (got += d.length));
    client.write(framed(0, 9));
    while (!events.includes('release none 9')) await new Promise((r) => setTimeout(r, 5));
    // Two requests with the same correlation id: the first one's buffers are tied to the later slot.
    client.write(Buffer.concat([framed(1, 5), framed(2, 5)]));
    while (gates.size < 2) await new Promise((r) => setTimeout(r, 5));
    gates.get(1)!();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(events, ['release none 9'], 'request 1 is released with the response after it, which is not written yet');
    gates.get(2)!();
    while (events.length < 3) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(events.slice(1).sort(), ['release 1', 'release 2']);
    while (got < 2 * (8 + 1024)) await new Promise((r) => setTimeout(r, 5));
  });
});

// ---- FrameReader: slabs are rewound or pooled again only once no frame taken from them is held

function sizedFrame(body: Buffer): Buffer {
  const f = Buffer.alloc(4 + body.length);
  f.writeInt32BE(body.length, 0);
  body.copy(f, 4);
  return f;
}

/** Feeds `bytes` to the reader the way the socket does: into the buffer it offers, at most `chunk` at a time. */
function feed(reader: FrameReader, bytes: Buffer, chunk: number): void {
  for (let at = 0; at < bytes.length; ) {
    const dst = reader.nextReadBuffer();
    assert.ok(dst.length > 0, 'a read buffer is never empty');
    const n = bytes.copy(dst, 0, at, Math.min(bytes.length, at + chunk));
    reader.onRead(n);
    at += n;
  }
}

test('FrameReader: frames straddling reads come out whole; a slab is not written while a frame from it is held', () => {
  const pool = new BufferPool({ idleTrimMs: 0 });
  const reader = new FrameReader(pool, 256 * 1024, 64 << 20);
  const bodies = Array.from({ length: 40 }, (_, i) => Buffer.alloc(20_000 + i * 997, i + 1));
  const held: { body: Buffer; release: (() => void) | null; expect: Buffer }[] = [];
  let next = 0;
  // 7,001-byte reads: nearly every frame straddles two or more of them.
  const all = Buffer.concat(bodies.map(sizedFrame));
  for (let at = 0; at < all.length; at += 7001) {
    feed(reader, all.subarray(at, Math.min(all.length, at + 7001)), 7001);
    while (reader.buffered >= 4 && reader.buffered >= 4 + reader.peekSize()) {
      const size = reader.peekSize();
      const f = reader.take(size, true);
      held.push({ ...f, expect: bodies[next++]! });
    }
    // Every held frame is still intact, whatever was read since.
    for (const h of held) assert.ok(h.body.equals(h.expect));
  }
  assert.equal(next, bodies.length);
  const lentWhileHeld = pool.stats().lent;
  assert.ok(lentWhileHeld >= 3, `held frames keep their slabs (${lentWhileHeld} lent)`);
  for (const h of held) {
    h.release!();
    h.release!(); // a second release is ignored
  }
  assert.equal(pool.stats().lent, 1, 'only the current slab stays lent');
  reader.close();
  assert.equal(pool.stats().lent, 0);
  pool.close();
});

test('FrameReader: copies of frames that are not retained; frames larger than a slab get a buffer of their own', () => {
  const pool = new BufferPool({ idleTrimMs: 0 });
  const reader = new FrameReader(pool, 64 * 1024, 64 << 20);
  const small = Buffer.alloc(1000, 3);
  const big = Buffer.alloc(300_000, 9);
  feed(reader, Buffer.concat([sizedFrame(small), sizedFrame(big)]), 65536);
  const a = reader.take(reader.peekSize(), false);
  assert.equal(a.release, null);
  assert.ok(a.body.equals(small));
  const b = reader.take(reader.peekSize(), true);
  assert.ok(b.body.equals(big));
  assert.equal(pool.stats().oversized, 0, 'the big frame is not a pooled buffer');
  // The copy survives whatever the reader does next.
  feed(reader, sizedFrame(Buffer.alloc(60_000, 5)), 65536);
  assert.ok(a.body.equals(small));
  b.release!();
  reader.close();
  assert.equal(pool.stats().lent, 0);
  pool.close();
});

test('FrameReader: after close, reads land in a scratch buffer, never in a pooled slab', () => {
  const pool = new BufferPool({ idleTrimMs: 0 });
  const reader = new FrameReader(pool, 64 * 1024, 64 << 20);
  const slab = reader.nextReadBuffer();
  reader.close();
  const after = reader.nextReadBuffer();
  assert.notEqual(after.buffer, slab.buffer);
  const reused = pool.acquire(64 * 1024);
  assert.equal(reused.buffer, slab.buffer, 'the slab went back to the pool');
  pool.release(reused);
  pool.close();
});
