// One coarse shared timer for every request deadline in the process (undici's
// habit): a deadline is an entry in a Set, checked by a single interval that
// runs only while some entry exists and never keeps the process alive by
// itself. Deadlines fire up to RESOLUTION_MS late, which is fine for
// timeouts measured in seconds.

const RESOLUTION_MS = 100;

export interface Deadline {
  at: number;
  fire: () => void;
}

const entries = new Set<Deadline>();
let interval: NodeJS.Timeout | null = null;

function tick(): void {
  const now = Date.now();
  for (const d of entries) {
    if (d.at <= now) {
      entries.delete(d);
      d.fire();
    }
  }
  stopIfIdle();
}

function stopIfIdle(): void {
  if (entries.size === 0 && interval) {
    clearInterval(interval);
    interval = null;
  }
}

/** Calls `fire` about `ms` from now unless cancelled first. */
export function addDeadline(ms: number, fire: () => void): Deadline {
  const d: Deadline = { at: Date.now() + ms, fire };
  entries.add(d);
  if (!interval) {
    interval = setInterval(tick, RESOLUTION_MS);
    interval.unref();
  }
  return d;
}

export function cancelDeadline(d: Deadline | null | undefined): void {
  if (d && entries.delete(d)) stopIfIdle();
}

/** Deadlines pending (for leak tests). */
export function pendingDeadlines(): number {
  return entries.size;
}
