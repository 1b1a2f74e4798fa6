/**
 * The `stripe` preset's trigger flows (`tapedeck trigger payment_intent.succeeded`), as
 * `stripe trigger` runs fixtures: the requests that make the event happen, so the objects it
 * names exist in the tenant's state (docs/design/issue-15-plan.md §2 "Trigger").
 */
import type { TriggerDecl, TriggerStep } from '../../../webhooks/types.js';

/** A payment intent for $20.00 with a test payment method, confirmed in the same request. */
function confirmedIntent(paymentMethod: string): TriggerStep {
  return {
    name: 'payment_intent',
    method: 'POST',
    path: '/v1/payment_intents',
    body: { amount: 2000, currency: 'usd', payment_method: paymentMethod, confirm: true },
  };
}

export const STRIPE_TRIGGERS: readonly TriggerDecl[] = [
  {
    event: 'payment_intent.succeeded',
    description: 'Creates and confirms a $20.00 payment intent with pm_card_visa.',
    steps: [confirmedIntent('pm_card_visa')],
  },
  {
    event: 'payment_intent.payment_failed',
    description:
      'Creates and confirms a $20.00 payment intent with pm_card_chargeDeclined: the card_declined scenario declines it.',
    steps: [confirmedIntent('pm_card_chargeDeclined')],
  },
  {
    event: 'payment_intent.canceled',
    description: 'Creates a $20.00 payment intent, then cancels it.',
    steps: [
      {
        name: 'payment_intent',
        method: 'POST',
        path: '/v1/payment_intents',
        body: { amount: 2000, currency: 'usd' },
      },
      {
        method: 'POST',
        path: '/v1/payment_intents/{steps.payment_intent.id}/cancel',
        body: {},
      },
    ],
  },
  {
    event: 'charge.refunded',
    description:
      'Creates a $20.00 charge with tok_visa, then refunds it in full: the event carries the charge.',
    steps: [
      {
        name: 'charge',
        method: 'POST',
        path: '/v1/charges',
        body: { amount: 2000, currency: 'usd', source: 'tok_visa' },
      },
      {
        name: 'refund',
        method: 'POST',
        path: '/v1/refunds',
        body: { charge: '{steps.charge.id}' },
      },
    ],
  },
];
