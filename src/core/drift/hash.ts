/**
 * A small, pure, non-cryptographic 64-bit hash (two 32-bit FNV-1a lanes with different offsets,
 * each finished with a murmur-style avalanche). Core may not use node:crypto; this is enough to
 * tell two text or binary bodies apart and to name a finding for the history table. It is not a
 * defence against anyone crafting collisions, and nothing relies on it being one.
 */
export function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193 + 2);
  }
  a = Math.imul(a ^ text.length, 0x01000193);
  return hex32(avalanche(a)) + hex32(avalanche(b ^ a));
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
