/**
 * The layers of the request pipeline, in the order a request walks them (DESIGN.md, "The flow
 * of one request"). This list is the order: a server fills the slots it uses and the pipeline
 * runs them in this order (app/pipeline/assemble.ts). Adding a layer is adding its name here
 * and a file in app/layers/; nothing else switches on the names.
 *
 * `miss` and `upstream` share the last position: a server fills at most one of them. Whatever
 * comes last must answer every request (miss, upstream, or the spec in `tapedeck mock`).
 */
export const LAYER_NAMES = [
  'admin',
  'tenant',
  'limits',
  'scenario',
  'idempotency',
  'state',
  'cassette',
  'spec',
  'miss',
  'upstream',
] as const;

export type LayerName = (typeof LAYER_NAMES)[number];

/** The layers that share the last position: a pipeline fills at most one. */
export const LAST_LAYERS: readonly LayerName[] = ['miss', 'upstream'];
