/**
 * The signature schemes (docs/design/issue-15-plan.md §2 "Signing"): Standard Webhooks (default),
 * Stripe's `Stripe-Signature`, GitHub's `X-Hub-Signature-256`. Built by wp15-core.
 */
import type { SchemeName, SignatureScheme } from './types.js';

const unbuilt = (): never => {
  throw new Error('built by wp15-core');
};

function stub(name: SchemeName): SignatureScheme {
  return {
    name,
    signatureHeaders: [],
    sign: unbuilt,
    verify: unbuilt,
    newSecret: unbuilt,
    checkSecret: unbuilt,
  };
}

export const SCHEMES: Readonly<Record<SchemeName, SignatureScheme>> = {
  standard: stub('standard'),
  stripe: stub('stripe'),
  github: stub('github'),
};
