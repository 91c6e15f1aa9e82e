// A TCP proxy between the tools and a broker that reads the Kafka protocol
// frames going through: it records every request's (API key, version,
// client id), and can play an older broker or a failing one:
//  - `apiVersions`: ApiVersions answers list only these APIs and ranges, and
//    an ApiVersions request above the listed range is answered by the proxy
//    itself with UNSUPPORTED_VERSION, as a broker before KIP-511's version does;
//  - `inject`: the responses of one API get an error code in every errorCode
//    field (errorMessage null), as a broker would answer them.
// Frames are decoded and re-encoded with Samsa's codecs only where rewritten.

import net from 'node:net';
import { APIS } from '../../src/protocol/apis.js';
import { Reader } from '../../src/protocol/primitives.js';

export interface RecordedRequest {
  apiKey: number;
  version: number;
  clientId: string | null;
}

export interface RecordingProxy {
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Ranges the proxy advertises (null: the broker's own answer). */
  apiVersions: Map<number, [number, number]> | null;
  inject: { apiKey: number; errorCode: number } | null;
  close(): Promise<void>;
}

const API_VERSIONS = 18;

/** Splits a byte stream into size-prefixed frames. */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const size = buf.readInt32BE(0);
      if (buf.length < 4 + size) break;
      onFrame(buf.subarray(4, 4 + size));
      buf = buf.subarray(4 + size);
    }
  };
}

const sized = (body: Buffer) => {
  const h = Buffer.alloc(4);
  h.writeInt32BE(body.length);
  return Buffer.concat([h, body]);
};

function setErrors(value: unknown, code: number): void {
  if (Array.isArray(value)) for (const v of value) setErrors(v, code);
  else if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const o = value as Record<string, unknown>;
    if ('errorCode' in o) {
      o.errorCode = code;
      if ('errorMessage' in o) o.errorMessage = null;
    }
    for (const v of Object.values(o)) setErrors(v, code);
  }
}

export async function startRecordingProxy(): Promise<RecordingProxy & { target: number }> {
  const sockets = new Set<net.Socket>();
  const state = {
    port: 0,
    target: 0,
    requests: [] as RecordedRequest[],
    apiVersions: null as Map<number, [number, number]> | null,
    inject: null as { apiKey: number; errorCode: number } | null,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: state.target });
    sockets.add(client).add(upstream);
    const pending = new Map<number, { apiKey: number; version: number }>();
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', framer((frame) => {
      const apiKey = frame.readInt16BE(0);
      const version = frame.readInt16BE(2);
      const correlationId = frame.readInt32BE(4);
      const r = new Reader(frame.subarray(8));
      const clientId = r.string(false);
      state.requests.push({ apiKey, version, clientId });
      const advertised = state.apiVersions?.get(API_VERSIONS);
      if (apiKey === API_VERSIONS && advertised && version > advertised[1]) {
        // KIP-511: answer in the v0 layout with the ApiVersions range this "broker" knows.
        const body = APIS.get(API_VERSIONS)!.response.encode({ errorCode: 35, apiKeys: [{ apiKey: API_VERSIONS, minVersion: advertised[0], maxVersion: advertised[1] }], throttleTimeMs: 0 }, 0);
        const id = Buffer.alloc(4);
        id.writeInt32BE(correlationId);
        client.write(sized(Buffer.concat([id, body])));
        return;
      }
      pending.set(correlationId, { apiKey, version });
      upstream.write(sized(frame));
    }));
    upstream.on('data', framer((frame) => {
      const correlationId = frame.readInt32BE(0);
      const req = pending.get(correlationId);
      pending.delete(correlationId);
      let out: Buffer = frame;
      if (req && req.apiKey === API_VERSIONS && state.apiVersions) {
        const codec = APIS.get(API_VERSIONS)!.response;
        const res = codec.decode(frame.subarray(4), req.version) as any;
        res.apiKeys = [...state.apiVersions].map(([apiKey, [minVersion, maxVersion]]) => ({ apiKey, minVersion, maxVersion }));
        out = Buffer.concat([frame.subarray(0, 4), codec.encode(res, req.version)]);
      } else if (req && state.inject && req.apiKey === state.inject.apiKey) {
        const api = APIS.get(req.apiKey)!;
        // Response header v1 (flexible versions) carries an empty tagged-field section.
        const headerLength = api.response.isFlexible(req.version) && req.apiKey !== API_VERSIONS ? 5 : 4;
        const res = api.response.decode(frame.subarray(headerLength), req.version);
        setErrors(res, state.inject.errorCode);
        out = Buffer.concat([frame.subarray(0, headerLength), api.response.encode(res, req.version)]);
      }
      client.write(sized(out));
    }));
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}
