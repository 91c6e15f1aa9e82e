// The registry of every API Samsa defines, by key. Which versions the broker
// actually serves is decided by its handlers (broker/handlers), not here:
// this table is the wire format only, shared by broker, client and tools.

import { MessageCodec } from './codec.js';
import { ApiDef } from './schema.js';
import { CORE_APIS } from './messages/core.js';
import { ADMIN_APIS } from './messages/admin.js';
import { GROUP_APIS } from './messages/group.js';
import { QUOTA_AND_CREDENTIAL_APIS } from './messages/quotas-and-credentials.js';
import { encodeRequestHeader, type RequestHeader } from './header.js';
import { Writer } from './primitives.js';

export interface Api {
  readonly def: ApiDef;
  readonly request: MessageCodec;
  readonly response: MessageCodec;
}

const ALL_DEFS: ApiDef[] = [...CORE_APIS, ...ADMIN_APIS, ...GROUP_APIS, ...QUOTA_AND_CREDENTIAL_APIS];

export const APIS = new Map<number, Api>();
for (const def of ALL_DEFS) {
  APIS.set(def.apiKey, { def, request: new MessageCodec(def.request), response: new MessageCodec(def.response) });
}

export function api(apiKey: number): Api {
  const a = APIS.get(apiKey);
  if (!a) throw new Error(`no definition for api key ${apiKey}`);
  return a;
}

/** A whole request frame (size prefix, header, body) in our definitions, as the encoder's chunks. */
export function encodeRequestFrame(header: RequestHeader, body: unknown): Buffer[] {
  const codec = api(header.apiKey).request.forVersion(header.apiVersion);
  const w = new Writer(256);
  const size = w.reserveInt32();
  encodeRequestHeader(w, header, codec.flexible);
  codec.encode(w, body);
  const chunks = w.finish();
  size.buf.writeInt32BE(w.length - 4, size.at);
  return chunks;
}

/** Whether the request (and so its header) of this API version is flexible; undefined when unknown. */
export function requestIsFlexible(apiKey: number, version: number): boolean | undefined {
  const a = APIS.get(apiKey);
  if (!a || version < a.request.minVersion || version > a.request.maxVersion) return undefined;
  return a.request.isFlexible(version);
}
