// Printing shared by the Kafka tools: the help table in the layout Kafka's
// tools print (jopt-simple's: options sorted by name, an option column at
// most 39 characters wide, descriptions wrapped at 80 columns with
// continuation lines indented by two, every cell padded, lines broken where
// Java's BreakIterator breaks them, as jopt-simple's do), Kafka's error
// texts from client errors, Java exception names for the places where Kafka
// prints them, and stdout writing that stops quietly when the reader goes
// away (`| head`).

import type { OptionSpec } from './options.js';
import { ErrorCode, KafkaError } from '../client/errors.js';
import { errorInfo } from '../protocol/errors.js';
import { Logger } from '../logger.js';
import { lineSegments } from './argparse.js';

const OVERALL_WIDTH = 80;
const SEPARATOR_WIDTH = 2;
const INDENT = '  ';

function piecesOf(raw: string, width: number): string[] {
  const pieces: string[] = [];
  for (const line of raw.trim().split('\n')) {
    let next = '';
    for (const word of lineSegments(line)) {
      if (next.length + word.length > width) {
        pieces.push(next.replace(/\s+$/, ''));
        next = INDENT + word;
      } else {
        next += word;
      }
    }
    if (next.length > 0) pieces.push(next);
  }
  return pieces;
}

function optionDisplay(s: OptionSpec): string {
  let out = (s.name.length > 1 ? '--' : '-') + s.name;
  if (s.arg !== 'none') {
    const [open, close] = s.arg === 'required' ? ['<', '>'] : ['[', ']'];
    out += ` ${open}${s.type}${s.describedAs ? `: ${s.describedAs}` : ''}${close}`;
  }
  return out;
}

function descriptionDisplay(s: OptionSpec): string {
  if (!s.defaults || s.defaults.length === 0) return s.description;
  const d = s.defaults.length === 1 ? s.defaults[0]! : `[${s.defaults.join(', ')}]`;
  return `${s.description} (default: ${d})`.trim();
}

/** The options table exactly as Kafka's tools print it for --help and usage errors. */
export function formatHelp(specs: readonly OptionSpec[]): string {
  const sorted = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const raw: [string, string][] = [['Option', 'Description'], ['------', '-----------'], ...sorted.map((s) => [optionDisplay(s), descriptionDisplay(s)] as [string, string])];
  const widths = (rows: [string, string][]) => {
    const widestOption = Math.max(...rows.map((r) => r[0].length));
    const widestDescription = Math.max(...rows.map((r) => r[1].length));
    const optionWidth = Math.min(Math.floor((OVERALL_WIDTH - SEPARATOR_WIDTH) / 2), widestOption);
    const descriptionWidth = Math.min(OVERALL_WIDTH - optionWidth - SEPARATOR_WIDTH, widestDescription);
    return [optionWidth, descriptionWidth] as const;
  };
  const [ow, dw] = widths(raw);
  const fitted: [string, string][] = [];
  for (const [o, d] of raw) {
    const os = piecesOf(o, ow);
    const ds = piecesOf(d, dw);
    for (let i = 0; i < Math.max(os.length, ds.length); i++) fitted.push([os[i] ?? '', ds[i] ?? '']);
  }
  const [fow, fdw] = widths(fitted);
  let out = '';
  for (const [o, d] of fitted) out += o + ' '.repeat(Math.max(0, fow - o.length)) + ' '.repeat(SEPARATOR_WIDTH) + d + ' '.repeat(Math.max(0, fdw - d.length)) + '\n';
  return out;
}

// ------------------------------------------------------------------ errors

/**
 * The message Kafka's Java client would carry for this error: the broker's own
 * message when it sent one (without the Samsa client's "<call>: <ERROR_NAME>: "
 * prefix), else Kafka's default text for the code (the client's default).
 */
export function kafkaMessage(err: unknown): string {
  if (err instanceof KafkaError) {
    const marker = `${err.errorName}: `;
    const i = err.message.indexOf(marker);
    return i >= 0 ? err.message.slice(i + marker.length) : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The fully qualified Java exception class Kafka's client raises for this error (for messages that show it). */
export function javaExceptionName(err: unknown): string {
  if (err instanceof KafkaError) {
    if (err.code === ErrorCode.REQUEST_TIMED_OUT && !(err.name === 'KafkaError')) return 'org.apache.kafka.common.errors.TimeoutException';
    const simple = errorInfo(err.code).exception ?? 'KafkaException';
    return `org.apache.kafka.common.errors.${simple}`;
  }
  if (err instanceof Error && err.name === 'IllegalArgumentException') return 'java.lang.IllegalArgumentException';
  if (err instanceof Error && /^[A-Z]\w*Exception$/.test(err.name)) return `org.apache.kafka.common.errors.${err.name}`;
  return 'org.apache.kafka.common.KafkaException';
}

const toolLog = new Logger('samsa-cli');

/** The stack of an unexpected error, printed only when asked for (SAMSA_LOG_LEVEL=debug). */
export function debugStack(err: unknown): void {
  if (toolLog.debugEnabled && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}

/** A log line in Kafka's log4j layout on stderr, as Kafka's tools log errors: "[time] ERROR msg (component)". */
export function logError(component: string, message: string): void {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ts = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
  process.stderr.write(`[${ts}] ERROR ${message} (${component})\n`);
}

// ------------------------------------------------------------------ writing

/**
 * Node prints process warnings as "(node:123) Warning: …"; the tools print the
 * client's warnings (unknown config keys) as Kafka's tools log them.
 */
export function installWarningPrinter(): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    const d = new Date();
    const p = (n: number, ww = 2) => String(n).padStart(ww, '0');
    const ts = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
    process.stderr.write(`[${ts}] WARN ${w.message} (samsa-client)\n`);
  });
}

/** stdout's reader went away (`… | head`): further output is dropped, as Java's PrintStream does. */
export const stdoutState = { closed: false };

export function installStdoutGuard(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stdoutState.closed = true;
    else throw err;
  });
}

/** Writes to stdout, resolving once the data is handed over (waits for 'drain' under backpressure). Rejects with EPIPE when the reader is gone. */
export function writeOut(data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = process.stdout.write(data, (err) => {
      if (err) reject(err);
    });
    if (ok) resolve();
    else {
      const onDrain = () => {
        process.stdout.off('error', onError);
        resolve();
      };
      const onError = (e: Error) => {
        process.stdout.off('drain', onDrain);
        reject(e);
      };
      process.stdout.once('drain', onDrain);
      process.stdout.once('error', onError);
    }
  });
}

/** println to stdout (synchronous on files, TTYs and pipes on Linux). */
export function println(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Left-aligned columns padded to the widest value (Kafka's ToolsUtils.prettyPrintTable: each cell followed by a tab). */
export function prettyTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => c + ' '.repeat(w[i]! - c.length) + '\t').join('') + '\n';
  return line(headers) + rows.map(line).join('');
}

/** Java's String.format("%-Ns", s) for each column, joined by a space (the consumer-groups layout). */
export function padColumns(format: readonly number[], values: readonly string[]): string {
  return values.map((v, i) => (i < format.length ? v.padEnd(format[i]!) : v)).join(' ');
}
