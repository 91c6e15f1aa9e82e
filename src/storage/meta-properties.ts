// meta.properties, at the root of every log dir (Kafka: MetaProperties,
// MetaPropertiesEnsemble). A Java properties file as java.util.Properties.store
// writes it with an empty comment: a "#" line, a "#<date>" line, then
// key=value lines. Kafka 3.9 writes version 1 for KRaft nodes:
//
//   #
//   #Fri Oct 25 03:33:01 UTC 2024
//   cluster.id=<22-char base64url Uuid>
//   directory.id=<22-char base64url Uuid, unique per log dir>
//   node.id=<int>
//   version=1
//
// Version 0 (ZooKeeper era) has `broker.id` instead of node.id and may lack
// cluster.id; it is read, never written. Consistency rules (Kafka's verify):
// every file agrees on cluster.id (and with the configured one, if any) and
// its node id equals the configured node.id; directory ids are unique and not
// reserved. A log dir without the file is formatted (Samsa formats on first
// start instead of requiring `kafka-storage format`); a file without
// directory.id gets one, as Kafka does at start-up.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isNotFound, writeFileAtomicSync } from './fs-util.js';
import { InconsistentMetaPropertiesError } from './errors.js';

export const META_PROPERTIES_FILE = 'meta.properties';

export interface MetaProperties {
  version: 0 | 1;
  clusterId?: string;
  nodeId?: number;
  directoryId?: string;
}

// ---- Java properties (the subset Kafka writes, plus escapes on reading) -----

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const raw = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // Line continuation: an odd number of trailing backslashes.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < raw.length) {
      line = line.slice(0, -1) + raw[++i]!.replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    while (k < line.length && !'=: \t\f'.includes(line[k]!)) k += line[k] === '\\' ? 2 : 1;
    const key = line.slice(0, k);
    let rest = line.slice(k).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    out.set(unescape(key), unescape(rest));
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c;
  });
}

function escape(s: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === ' ' && (isKey || i === 0)) out += '\\ ';
    else if ('\\=:#!'.includes(c)) out += '\\' + c;
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    else out += c;
  }
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date.toString() in UTC: "Fri Oct 25 03:33:01 UTC 2024". */
export function javaDateString(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

/** Properties.store(writer, "") output. */
export function formatProperties(entries: readonly [string, string][], now = new Date()): string {
  let out = `#\n#${javaDateString(now)}\n`;
  for (const [k, v] of entries) out += `${escape(k, true)}=${escape(v, false)}\n`;
  return out;
}

// ---- Uuids ------------------------------------------------------------------

/** A random Kafka Uuid string (type-4 UUID as 22 base64url chars), never starting with '-'. */
export function randomUuid(): string {
  for (;;) {
    const s = Buffer.from(crypto.randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!s.startsWith('-')) return s;
  }
}

function isUuid(s: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(s) && Buffer.from(s, 'base64url').length === 16;
}

/** Kafka reserves directory ids with all-zero high 64 bits and low bits < 100. */
function isReservedDirectoryId(s: string): boolean {
  const b = Buffer.from(s, 'base64url');
  return b.readBigUInt64BE(0) === 0n && b.readBigUInt64BE(8) < 100n;
}

// ---- meta.properties --------------------------------------------------------

export function parseMetaProperties(text: string, location: string): MetaProperties {
  const props = parseProperties(text);
  const bad = (msg: string) => new InconsistentMetaPropertiesError(`${msg} (${location})`);
  const versionText = props.get('version') ?? '0';
  if (versionText !== '0' && versionText !== '1') throw bad(`Unknown meta.properties version ${versionText}`);
  const version = versionText === '1' ? 1 : 0;
  const meta: MetaProperties = { version };
  const nodeKey = version === 0 ? 'broker.id' : 'node.id';
  const node = props.get(nodeKey);
  if (node !== undefined) {
    if (!/^-?\d+$/.test(node.trim())) throw bad(`Unable to read ${nodeKey} as a base-10 number`);
    meta.nodeId = Number(node.trim());
  } else if (version === 1) {
    throw bad('Failed to find node.id');
  }
  const cluster = props.get('cluster.id');
  if (cluster !== undefined) meta.clusterId = cluster;
  else if (version === 1) throw bad('cluster.id was not specified in the v1 file');
  const dirId = props.get('directory.id');
  if (dirId !== undefined) {
    if (!isUuid(dirId)) throw bad(`Unable to read directory.id as a Uuid: ${dirId}`);
    meta.directoryId = dirId;
  }
  return meta;
}

export function formatMetaProperties(meta: MetaProperties, now = new Date()): string {
  const entries: [string, string][] = [];
  if (meta.clusterId !== undefined) entries.push(['cluster.id', meta.clusterId]);
  if (meta.directoryId !== undefined) entries.push(['directory.id', meta.directoryId]);
  if (meta.nodeId !== undefined) entries.push([meta.version === 0 ? 'broker.id' : 'node.id', String(meta.nodeId)]);
  entries.push(['version', String(meta.version)]);
  return formatProperties(entries, now);
}

export function readMetaPropertiesSync(logDir: string): MetaProperties | null {
  const file = path.join(logDir, META_PROPERTIES_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  return parseMetaProperties(text, file);
}

export function writeMetaPropertiesSync(logDir: string, meta: MetaProperties): void {
  writeFileAtomicSync(path.join(logDir, META_PROPERTIES_FILE), formatMetaProperties(meta));
}

export interface EnsembleResult {
  clusterId: string;
  /** log dir → directory.id */
  directoryIds: Map<string, string>;
}

/**
 * Read (or create) meta.properties in every log dir and check that they agree
 * with each other and with the configuration. Throws
 * InconsistentMetaPropertiesError with Kafka's wording on a mismatch.
 */
export function ensureMetaProperties(logDirs: readonly string[], nodeId: number, clusterId?: string): EnsembleResult {
  const found = new Map<string, MetaProperties>();
  let expectedCluster = clusterId;
  const seen = new Map<string, string>();
  for (const dir of logDirs) {
    const meta = readMetaPropertiesSync(dir);
    if (!meta) continue;
    const file = path.join(dir, META_PROPERTIES_FILE);
    if (meta.clusterId !== undefined) {
      if (expectedCluster === undefined) expectedCluster = meta.clusterId;
      else if (meta.clusterId !== expectedCluster) {
        throw new InconsistentMetaPropertiesError(
          `Invalid cluster.id in: ${file}. Expected ${expectedCluster}, but read ${meta.clusterId}`,
        );
      }
    }
    if (meta.nodeId !== undefined && meta.nodeId !== nodeId) {
      throw new InconsistentMetaPropertiesError(
        `Stored node id ${meta.nodeId} doesn't match previous node id ${nodeId} in ${file}. ` +
          'If you moved your data, make sure your configured node id matches. If you intend to create ' +
          'a new node, you should remove all data in your data directories.',
      );
    }
    if (meta.directoryId !== undefined) {
      if (isReservedDirectoryId(meta.directoryId)) {
        throw new InconsistentMetaPropertiesError(`Invalid reserved directory ID ${meta.directoryId} found in ${dir}`);
      }
      const prev = seen.get(meta.directoryId);
      if (prev !== undefined) {
        throw new InconsistentMetaPropertiesError(
          `Duplicate directory ID ${meta.directoryId} found. It was the ID of ${prev}, but also of ${dir}`,
        );
      }
      seen.set(meta.directoryId, dir);
    }
    found.set(dir, meta);
  }
  const cluster = expectedCluster ?? randomUuid();
  const directoryIds = new Map<string, string>();
  for (const dir of logDirs) {
    const meta = found.get(dir);
    if (meta && meta.directoryId && meta.clusterId !== undefined && meta.nodeId !== undefined) {
      directoryIds.set(dir, meta.directoryId);
      continue;
    }
    // Format this dir, or complete a file that lacks directory.id / cluster.id / node id.
    let dirId = meta?.directoryId;
    while (dirId === undefined || (seen.has(dirId) && seen.get(dirId) !== dir)) dirId = randomUuid();
    seen.set(dirId, dir);
    const next: MetaProperties = meta
      ? { ...meta, clusterId: meta.clusterId ?? cluster, nodeId: meta.nodeId ?? nodeId, directoryId: dirId }
      : { version: 1, clusterId: cluster, nodeId, directoryId: dirId };
    writeMetaPropertiesSync(dir, next);
    directoryIds.set(dir, dirId);
  }
  return { clusterId: cluster, directoryIds };
}
