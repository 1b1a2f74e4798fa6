/**
 * The two real descriptions the sandbox's inference is tested on, parsed once per test file:
 * Stripe's (vendored, 2022-04) and GitHub's (from @octokit/openapi in node_modules).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CompiledSpec } from '../../../src/core/mock/openapi/compiled.js';

const STRIPE_GZ = join(
  import.meta.dirname,
  '../../../bench/fixtures/stripe-openapi-2022-04.json.gz',
);

let stripe: CompiledSpec | undefined;
let github: CompiledSpec | undefined;

export function stripeSpec(): CompiledSpec {
  stripe ??= new CompiledSpec({
    file: '/specs/stripe.json',
    document: JSON.parse(gunzipSync(readFileSync(STRIPE_GZ)).toString('utf8')) as object,
    dialect: 'openapi-3.0',
    files: ['/specs/stripe.json'],
  });
  return stripe;
}

export function githubSpec(): CompiledSpec {
  if (github === undefined) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    github = new CompiledSpec({
      file,
      document: JSON.parse(readFileSync(file, 'utf8')) as object,
      dialect: 'openapi-3.0',
      files: [file],
    });
  }
  return github;
}
