// One file per port; this index keeps `core/ports/index.js` imports working.
export type * from './cassettes.js';
export type * from './clock.js';
export type * from './codec.js';
export type * from './drift-history.js';
export type * from './events.js';
export type * from './idempotency.js';
export type * from './journal.js';
export type * from './logger.js';
export type * from './resources.js';
export type * from './scheduler.js';
export type * from './state.js';
export type * from './tenants.js';
export type * from './upstream.js';
export type * from './usage.js';
export type * from './scenarios.js';
export type * from './signer.js';
export type * from './webhook-sender.js';
export type * from './webhooks.js';
export type * from './readiness.js';
export type * from './metrics.js';
// Not ports: the replies and requests of the HTTP servers. Import them from core/http/reply.js.
export type * from '../http/reply.js';
