/**
 * HMAC-SHA256 and random bytes for webhook signing (issue 15), passed into core as the redaction's
 * KeyedHash is: core never imports node:crypto. Synchronous, CPU only. The node adapter is
 * adapters/system/signer.ts.
 */
export interface Signer {
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
  randomBytes(n: number): Uint8Array;
}
