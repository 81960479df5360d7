/**
 * MurmurHash3 x86_32 (Austin Appleby's reference, public domain).
 *
 * Layer: pure core. This is the hash every assignment in the router depends
 * on; it must match the published reference vectors bit for bit (see
 * test/vectors/murmur3.json), because changing it reshuffles every user.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Hashes the first `len` bytes (default: all); returns an unsigned 32-bit integer. */
export function murmur3x86_32(bytes: Uint8Array, seed = 0, len = bytes.length): number {
  const blocks = len & ~3;
  let h = seed >>> 0;
  let i = 0;
  for (; i < blocks; i += 4) {
    let k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (len & 3) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: the reference tail falls through
    case 3:
      k ^= (bytes[i + 2] as number) << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: the reference tail falls through
    case 2:
      k ^= (bytes[i + 1] as number) << 8;
    case 1:
      k ^= bytes[i] as number;
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
      h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();
/** Reused UTF-8 scratch buffer: hashing a string allocates nothing (hot path). */
let scratch = new Uint8Array(1024);

/** Hashes the UTF-8 bytes of a string. */
export function murmur3String(text: string, seed = 0): number {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return murmur3x86_32(scratch, seed, written);
}
