import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CompiledSpec } from '../../../src/core/mock/openapi/compiled.js';

/** The vendored Stripe spec (never the network), compiled once per test file. */
let cached: CompiledSpec | undefined;
export function stripeSpec(): CompiledSpec {
  if (cached) return cached;
  const file = join(import.meta.dirname, '../../../bench/fixtures/stripe-openapi-2022-04.json.gz');
  const document = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as object;
  cached = new CompiledSpec({ file: 'stripe.json', document, dialect: 'openapi-3.0', files: [] });
  return cached;
}
