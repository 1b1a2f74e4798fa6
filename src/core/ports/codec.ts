import type { Body, HeaderMap } from '../cassette/model.js';

/** Turns bytes on the wire into stored bodies and back. */
export interface BodyCodec {
  /** Removes content-encoding and classifies the bytes as JSON, text or binary. */
  decode(bytes: Uint8Array, headers: HeaderMap): Body | undefined;
  /** The bytes of a stored body, with no content-encoding. */
  encode(body: Body | undefined): Uint8Array;
}
