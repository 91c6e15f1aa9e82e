// When a log may write on the event loop itself. Appends are copied into the
// page cache with fs.writevSync on the loop (see Log's write loop)
// when a write is small, the loop is not saturated, and no recent inline write
// stalled; otherwise libuv's pool takes them. One policy for every log in the
// process: the event loop is shared.

import { performance } from 'node:perf_hooks';
import { Logger } from '../logger.js';

const unifiedLog = new Logger('UnifiedLog');

/**
 * Appends are written on the event loop itself (fs.writevSync) when the bytes
 * gathered for one write are at most this many: copying 64 KiB into the page
 * cache takes ~15 µs, less than handing the write to libuv's pool and taking
 * the completion back, and the answer can leave in the same turn. Larger
 * writes (a backlog under heavy load) go to the pool, where the copy runs on
 * another core while the loop reads the next requests.
 */
export const INLINE_WRITE_MAX_BYTES = 128 * 1024;
/** An inline write slower than this (the kernel throttling or stalling page-cache writes)... */
export const INLINE_WRITE_STALL_MS = 10;
/** ...sends every log's writes to the pool for this long, so that one stall does not hold up every client. */
const INLINE_WRITE_PAUSE_MS = 5000;
/**
 * ...and while the event loop is not saturated: under a load that keeps it
 * busy (more than LOOP_BUSY_ABOVE of the time, until it falls below
 * LOOP_IDLE_BELOW), the copies go to the pool, where they run beside the loop
 * on another core, as they must for the broker to reach its peak throughput.
 */
const LOOP_BUSY_ABOVE = 0.9;
const LOOP_IDLE_BELOW = 0.75;
const LOOP_SAMPLE_MS = 100;
let loopBusy = false;
let loopWatch: NodeJS.Timeout | null = null;
/** SAMSA_INLINE_WRITES=off keeps every write on the pool (for A/B benchmarks). */
let inlineWritesPausedUntil = process.env.SAMSA_INLINE_WRITES === 'off' ? Infinity : 0;

function watchEventLoop(): void {
  let last = performance.eventLoopUtilization();
  loopWatch = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    loopBusy = loopBusy ? u > LOOP_IDLE_BELOW : u > LOOP_BUSY_ABOVE;
  }, LOOP_SAMPLE_MS);
  loopWatch.unref();
}

/**
 * May a log write on the event loop now? Starts the loop watch on first use
 * (a broker that never appends keeps no timer).
 */
export function inlineWritesAllowed(): boolean {
  if (!loopWatch) watchEventLoop();
  return !loopBusy && Date.now() >= inlineWritesPausedUntil;
}


/** Turns inline appends on or off for every log in the process (tests that hold the pool's writes; benchmarks). */
export function setInlineLogWrites(enabled: boolean): void {
  inlineWritesPausedUntil = enabled ? 0 : Infinity;
}

/** After an inline write that took `tookMs`: every log writes on the pool for a while. */
export function pauseInlineWrites(tookMs: number, dir: string): void {
  inlineWritesPausedUntil = Date.now() + INLINE_WRITE_PAUSE_MS;
  unifiedLog.info(
    `A ${tookMs.toFixed(0)} ms write to ${dir} stalled the event loop: log writes go to the I/O thread pool for the next ${INLINE_WRITE_PAUSE_MS / 1000} s`,
  );
}
