/**
 * Strict UTF-8 for files tapedeck loads. A lenient decode turns every invalid byte into U+FFFD
 * without a word, so a cassette or config file damaged by an editor or a bad merge would load
 * with silently different strings; these files are refused instead, naming the byte offset.
 */

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type Utf8Result =
  | { readonly ok: true; readonly text: string; readonly bom: boolean }
  | { readonly ok: false; readonly offset: number };

/** The text of `bytes`, without a leading byte-order mark (`bom` says there was one). */
export function decodeUtf8(bytes: Uint8Array): Utf8Result {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return { ok: true, text: strict.decode(body), bom };
  } catch (error) {
    // Only a decoding error means bad bytes; a file too big for one string is another problem.
    if (!(error instanceof TypeError)) throw error;
    return { ok: false, offset: invalidUtf8Offset(body) + (bom ? 3 : 0) };
  }
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      // No overlong forms (E0 80..9F) and no UTF-16 surrogates (ED A0..BF).
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    const second = bytes[i + 1];
    if (second === undefined || second < min || second > max) return i;
    for (let k = 2; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
