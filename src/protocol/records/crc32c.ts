// CRC32C (Castagnoli), the checksum of record batch v2: computed over the
// batch from the attributes field to its end. @node-rs/crc32 uses the SSE4.2 /
// ARMv8 CRC instructions where present (about 6 GB/s here); Node's own
// zlib.crc32 is the other polynomial (CRC-32/ISO-HDLC) and must not be used.

import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/** CRC32C of buf[start, end), as an unsigned 32-bit number. */
export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  const input = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return nativeCrc32c(input) >>> 0;
}
