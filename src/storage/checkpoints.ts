// Kafka's checkpoint files (Kafka: CheckpointFile / OffsetCheckpointFile), text in UTF-8:
//
//   line 1   version            "0"
//   line 2   number of entries  e.g. "2"
//   line 3+  one entry per line, fields separated by a single space
//
// Offset checkpoints (entries "topic partition offset"), one of each per log dir:
//   recovery-point-offset-checkpoint   offset below which each log is fsynced (recovery starts there)
//   log-start-offset-checkpoint        log start offsets that are above their first segment's base offset
//   replication-offset-checkpoint      high watermarks (written by the replica manager)
// The same layout with entries "epoch startOffset" is leader-epoch-checkpoint in each partition dir.
//
// Files are replaced atomically: `<name>.tmp` is written and fsynced, renamed
// over the target, and the directory is fsynced.

import fs from 'node:fs';
import { isNotFound, writeFileAtomic, writeFileAtomicSync } from './fs-util.js';
import { StorageError } from './errors.js';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

export const OFFSET_CHECKPOINT_VERSION = 0;

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** The text of a checkpoint file with the given entry lines. */
export function formatCheckpoint(version: number, lines: readonly string[]): string {
  let out = `${version}\n${lines.length}\n`;
  for (const line of lines) out += line + '\n';
  return out;
}

/** Entry lines of a checkpoint file's text, checking the version and the count. */
export function parseCheckpoint(text: string, expectedVersion: number, location: string): string[][] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return [];
  const malformed = (line: string | undefined) =>
    new StorageError('KAFKA_STORAGE_ERROR', `Malformed line in checkpoint file [${location}]: ${line}`);
  const version = toInt(lines[0]!);
  if (version === null) throw malformed(lines[0]);
  if (version !== expectedVersion) {
    throw new StorageError(
      'KAFKA_STORAGE_ERROR',
      `Unrecognised version:${version}, expected version: ${expectedVersion} in checkpoint file at: ${location}`,
    );
  }
  if (lines.length === 1) return [];
  const count = toInt(lines[1]!);
  if (count === null) throw malformed(lines[1]);
  const entries = lines.slice(2).map((l) => l.trim().split(/\s+/));
  if (entries.length !== count) {
    throw new StorageError(
      'KAFKA_STORAGE_ERROR',
      `Expected [${count}] entries in checkpoint file [${location}], but found only [${entries.length}]`,
    );
  }
  return entries;
}

function toInt(s: string): number | null {
  return /^-?\d+$/.test(s.trim()) ? Number(s.trim()) : null;
}

export function formatOffsetCheckpoint(entries: readonly TopicPartitionOffset[]): string {
  return formatCheckpoint(
    OFFSET_CHECKPOINT_VERSION,
    entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`),
  );
}

export function parseOffsetCheckpoint(text: string, location: string): TopicPartitionOffset[] {
  return parseCheckpoint(text, OFFSET_CHECKPOINT_VERSION, location).map((fields) => {
    const partition = fields.length === 3 ? toInt(fields[1]!) : null;
    const offset = fields.length === 3 ? toInt(fields[2]!) : null;
    if (partition === null || offset === null || partition < 0) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `Malformed line in checkpoint file [${location}]: ${fields.join(' ')}`);
    }
    return { topic: fields[0]!, partition, offset };
  });
}

export async function writeOffsetCheckpoint(file: string, entries: readonly TopicPartitionOffset[]): Promise<void> {
  await writeFileAtomic(file, formatOffsetCheckpoint(entries));
}

export function writeOffsetCheckpointSync(file: string, entries: readonly TopicPartitionOffset[]): void {
  writeFileAtomicSync(file, formatOffsetCheckpoint(entries));
}

/** Entries of an offset checkpoint file; [] when the file does not exist. */
export function readOffsetCheckpointSync(file: string): TopicPartitionOffset[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return parseOffsetCheckpoint(text, file);
}

/** `topic-partition` → offset, for lookups. */
export function offsetMap(entries: readonly TopicPartitionOffset[]): Map<string, number> {
  return new Map(entries.map((e) => [`${e.topic}-${e.partition}`, e.offset]));
}
