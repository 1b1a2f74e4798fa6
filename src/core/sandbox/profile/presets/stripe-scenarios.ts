/**
 * The `stripe` preset's scenarios: Stripe's documented test cards that decline
 * (https://stripe.com/docs/testing#declined-payments), on the payment-intent flow. A payment
 * intent confirmed with one of them — by its test payment method (`pm_card_chargeDeclined`),
 * named at the create or at the confirm, or while the scenario is armed — answers 402 with the
 * card error, and is left `requires_payment_method` with `last_payment_error` and a
 * `payment_intent.payment_failed` event, as in Stripe's test mode. That answer is stored for an
 * Idempotency-Key like any other (Stripe replays a decline for the same key).
 */
import type { ScenarioDecl, TriggerDecl } from '../../scenarios/types.js';

/** A declining test card: its payment methods, its number, and the error Stripe answers. */
interface DecliningCard {
  readonly scenario: string;
  readonly description: string;
  readonly paymentMethods: readonly string[];
  readonly number: string;
  readonly code: string;
  readonly declineCode?: string;
  readonly message: string;
}

const DECLINING_CARDS: readonly DecliningCard[] = [
  {
    scenario: 'card_declined',
    description:
      'The card is declined for no stated reason (generic_decline). Show the customer "Your card was declined." and ask for another payment method; do not retry the same card.',
    paymentMethods: ['pm_card_visa_chargeDeclined', 'pm_card_chargeDeclined'],
    number: '4000000000000002',
    code: 'card_declined',
    declineCode: 'generic_decline',
    message: 'Your card was declined.',
  },
  {
    scenario: 'insufficient_funds',
    description:
      'The card is declined for insufficient funds. Ask the customer for another payment method, or to try again later; do not retry automatically.',
    paymentMethods: [
      'pm_card_visa_chargeDeclinedInsufficientFunds',
      'pm_card_chargeDeclinedInsufficientFunds',
    ],
    number: '4000000000009995',
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  {
    scenario: 'expired_card',
    description:
      'The card has expired (code expired_card). Ask the customer to check the expiry date or use another card.',
    paymentMethods: ['pm_card_chargeDeclinedExpiredCard'],
    number: '4000000000000069',
    code: 'expired_card',
    message: 'Your card has expired.',
  },
  {
    scenario: 'incorrect_cvc',
    description:
      "The card's security code is wrong (code incorrect_cvc). Ask the customer to re-enter the CVC; the payment intent can be confirmed again.",
    paymentMethods: ['pm_card_chargeDeclinedIncorrectCvc'],
    number: '4000000000000127',
    code: 'incorrect_cvc',
    message: "Your card's security code is incorrect.",
  },
  {
    scenario: 'processing_error',
    description:
      "The card network had a processing error (code processing_error). The decline is not the card's fault: retry the confirmation after a short wait, or ask for another card.",
    paymentMethods: ['pm_card_chargeDeclinedProcessingError'],
    number: '4000000000000119',
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
];

/** The declining test payment methods as fixtures (stripe.ts adds them beside pm_card_visa). */
export const DECLINING_TEST_PAYMENT_METHODS: readonly {
  readonly id: string;
  readonly last4: string;
}[] = DECLINING_CARDS.flatMap((card) =>
  card.paymentMethods.map((id) => ({ id, last4: card.number.slice(-4) })),
);

const CREATE = 'POST /v1/payment_intents';
const CONFIRM = 'POST /v1/payment_intents/{intent}/confirm';

/** `4000 0000 0000 0002`, as Stripe's testing page prints it. */
function spaced(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}

function scenarioOf(card: DecliningCard): ScenarioDecl {
  const docUrl = `https://stripe.com/docs/error-codes/${card.code.replaceAll('_', '-')}`;
  const decline = card.declineCode === undefined ? {} : { decline_code: card.declineCode };
  const confirmed = [{ in: 'body', path: 'confirm', equals: true }] as const;
  const triggers: TriggerDecl[] = [
    // Created and confirmed in one call (`confirm: true`); without it, the create succeeds.
    {
      value: { in: 'body', path: 'payment_method', oneOf: card.paymentMethods, and: confirmed },
    },
    // Confirmed later: the intent's payment method, with the confirm's own `payment_method`
    // merged in, so one trigger covers the card named at the create and at the confirm. A bare
    // body trigger would also fire on a create without `confirm`, which Stripe accepts.
    { value: { in: 'resource', path: 'payment_method', oneOf: card.paymentMethods } },
    // Or armed for a tenant: its next confirmation declines whatever card it names.
    { armed: true },
  ];
  return {
    name: card.scenario,
    // The card number is what a person types into Stripe's own forms; through the API, Stripe
    // (and its spec: payment_method_data has no `card`) takes the test payment method instead.
    description: `${card.description} Stripe's test card ${spaced(card.number)}; through the API, ${card.paymentMethods.join(' or ')}.`,
    operations: [CREATE, CONFIRM],
    triggers,
    outcome: {
      state: {
        action: 'payment_failed',
        from: ['requires_payment_method', 'requires_confirmation'],
        set: {
          status: 'requires_payment_method',
          last_payment_error: {
            type: 'card_error',
            code: card.code,
            ...decline,
            message: card.message,
            doc_url: docUrl,
          },
          payment_method: null,
        },
        event: 'payment_intent.payment_failed',
        error: {
          status: 402,
          type: 'card_error',
          code: card.code,
          message: card.message,
          ...(card.declineCode === undefined ? {} : { extra: decline }),
        },
        embed: 'payment_intent',
      },
    },
  };
}

/** One scenario per declining card; a request names one card, so their order never decides. */
export const STRIPE_SCENARIOS: readonly ScenarioDecl[] = DECLINING_CARDS.map(scenarioOf);
