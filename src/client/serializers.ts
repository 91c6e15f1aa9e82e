// Serializers and deserializers for keys and values: bytes (the default:
// Buffer, Uint8Array or string as UTF-8), string and JSON.

export type Serializer<T> = (value: T, topic: string) => Buffer | null;
export type Deserializer<T> = (data: Buffer | null, topic: string) => T;

/** Buffer / Uint8Array as they are, strings as UTF-8, null and undefined as null. */
export const bytesSerializer: Serializer<Buffer | Uint8Array | string | null | undefined> = (v) => {
  if (v == null) return null;
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`cannot serialize a ${typeof v} as bytes: give a Buffer, Uint8Array or string, or configure a serializer`);
};

export const stringSerializer: Serializer<string | null | undefined> = (v) => (v == null ? null : Buffer.from(String(v), 'utf8'));

export const jsonSerializer: Serializer<unknown> = (v) => (v === undefined ? null : Buffer.from(JSON.stringify(v), 'utf8'));

export const bytesDeserializer: Deserializer<Buffer | null> = (d) => d;

export const stringDeserializer: Deserializer<string | null> = (d) => (d == null ? null : d.toString('utf8'));

export const jsonDeserializer: Deserializer<unknown> = (d) => (d == null ? null : JSON.parse(d.toString('utf8')));

export const serializers = { bytes: bytesSerializer, string: stringSerializer, json: jsonSerializer } as const;
export const deserializers = { bytes: bytesDeserializer, string: stringDeserializer, json: jsonDeserializer } as const;
