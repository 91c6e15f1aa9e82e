// Request and response headers. Their version follows from the API's
// flexible versions: request header v1 (v2 when flexible), response header
// v0 (v1 when flexible) — except ApiVersions, whose response header is always
// v0 so that a client can parse it before it knows what the broker speaks.

import { Reader, Writer } from './primitives.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export const API_VERSIONS_KEY = 18;

/** Decodes a request header; the reader is left at the start of the body. */
export function decodeRequestHeader(r: Reader, flexibleOf: (apiKey: number, version: number) => boolean | undefined): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  // Header v0 (ControlledShutdown v0) is long gone from every client; v1+ carries the client id
  // as a classic nullable string even in flexible versions.
  const clientId = r.string(false);
  const header = { apiKey, apiVersion, correlationId, clientId };
  if (flexibleOf(apiKey, apiVersion)) skipTaggedFields(r);
  return header;
}

export function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

export function encodeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId).string(h.clientId, false);
  if (flexible) w.uvarint(0);
}

export function responseHeaderIsFlexible(apiKey: number, bodyFlexible: boolean): boolean {
  return bodyFlexible && apiKey !== API_VERSIONS_KEY;
}

export function encodeResponseHeader(w: Writer, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (flexible) w.uvarint(0);
}

export function decodeResponseHeader(r: Reader, flexible: boolean): number {
  const correlationId = r.int32();
  if (flexible) skipTaggedFields(r);
  return correlationId;
}
