// A small leveled logger that prints in Kafka's log4j layout
// ("[2026-01-01 12:00:00,000] INFO message (component)") so that log-reading
// habits and tools carry over. SAMSA_LOG_LEVEL=debug|info|warn|error|off.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'off', number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 };
const LABEL: Record<Level, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

let threshold = ORDER[(process.env.SAMSA_LOG_LEVEL as Level) ?? 'info'] ?? ORDER.info;

export function setLogLevel(level: Level | 'off'): void {
  threshold = ORDER[level];
}

function timestamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

export class Logger {
  constructor(readonly component: string) {}
  private log(level: Level, msg: string): void {
    if (ORDER[level] < threshold) return;
    const line = `[${timestamp()}] ${LABEL[level]} ${msg} (${this.component})\n`;
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line);
  }
  /** For hot paths: check before building a message. */
  get debugEnabled(): boolean {
    return ORDER.debug >= threshold;
  }
  debug(msg: string): void {
    if (ORDER.debug >= threshold) this.log('debug', msg);
  }
  info(msg: string): void {
    this.log('info', msg);
  }
  warn(msg: string): void {
    this.log('warn', msg);
  }
  error(msg: string): void {
    this.log('error', msg);
  }
}
