/**
 * The `stripe` preset's trigger flows (`tapedeck trigger payment_intent.succeeded`), as
 * `stripe trigger` runs fixtures: the requests that make the event happen, so the objects it
 * names exist in the tenant's state. Built by wp15-core (docs/design/issue-15-plan.md §2).
 */
import type { TriggerDecl } from '../../../webhooks/types.js';

export const STRIPE_TRIGGERS: readonly TriggerDecl[] = [];
