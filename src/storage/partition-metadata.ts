// partition.metadata, in each partition directory (Kafka: PartitionMetadataFile),
// text in UTF-8, no trailing newline:
//
//   version: 0
//   topic_id: <topic id: 16 bytes as base64url without padding, 22 characters>
//
// Written atomically (tmp file, fsync, rename).

import fs from 'node:fs';
import path from 'node:path';
import { isNotFound, writeFileAtomic } from './fs-util.js';
import { StorageError } from './errors.js';

export const PARTITION_METADATA_FILE = 'partition.metadata';
export const PARTITION_METADATA_VERSION = 0;

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function formatPartitionMetadata(topicId: string): string {
  return `version: ${PARTITION_METADATA_VERSION}\ntopic_id: ${topicId}`;
}

/** Is `s` a Kafka Uuid string (22 base64url characters encoding 16 bytes)? */
export function isUuidString(s: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(s) && Buffer.from(s, 'base64url').length === 16;
}

export function parsePartitionMetadata(text: string, location: string): { version: number; topicId: string } {
  const lines = text.split('\n');
  const malformed = (line: string | undefined) =>
    new StorageError('KAFKA_STORAGE_ERROR', `Malformed line in checkpoint file [${location}]: ${line}`);
  const v = (lines[0] ?? '').trim().split(/\s+/);
  if (v.length !== 2 || !/^\d+$/.test(v[1]!)) throw malformed(lines[0]);
  const version = Number(v[1]);
  if (version < PARTITION_METADATA_VERSION) {
    throw new StorageError('KAFKA_STORAGE_ERROR', `Unrecognized version of partition metadata file (${location}): ${version}`);
  }
  const t = (lines[1] ?? '').trim().split(/\s+/);
  if (t.length !== 2 || !isUuidString(t[1]!)) throw malformed(lines[1]);
  if (t[1] === ZERO_UUID) throw new StorageError('KAFKA_STORAGE_ERROR', `Invalid topic ID in partition metadata file (${location})`);
  return { version, topicId: t[1]! };
}

export async function writePartitionMetadata(partitionDir: string, topicId: string): Promise<void> {
  if (!isUuidString(topicId)) throw new StorageError('INVALID_STATE', `invalid topic id ${topicId}`);
  await writeFileAtomic(path.join(partitionDir, PARTITION_METADATA_FILE), formatPartitionMetadata(topicId));
}

/** The topic id stored in a partition directory, or null when there is no partition.metadata. */
export function readPartitionMetadataSync(partitionDir: string): string | null {
  const file = path.join(partitionDir, PARTITION_METADATA_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  return parsePartitionMetadata(text, file).topicId;
}
