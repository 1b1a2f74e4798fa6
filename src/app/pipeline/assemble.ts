import { TapedeckError } from '../../core/errors.js';
import { LAST_LAYERS, LAYER_NAMES, type LayerName } from '../../core/pipeline.js';
import type { Layer } from './context.js';

/** The layers one server uses, by slot; the order is never the caller's, it is LAYER_NAMES. */
export type PipelineSlots = Partial<Record<LayerName, Layer>>;

function refuse(message: string): never {
  // TD_INTERNAL: a server wired its pipeline wrongly, a bug in tapedeck, not in the user's input.
  throw new TapedeckError('TD_INTERNAL', message);
}

/**
 * Orders a server's layers by the one list in core/pipeline.ts. Refuses a pipeline that nothing
 * closes (its last layer does not answer every request), one with a layer after the closing one
 * (it could never answer), one that fills both miss and upstream, and a layer put in a slot that
 * is not its own.
 */
export function assemblePipeline(slots: PipelineSlots): readonly Layer[] {
  const last = LAST_LAYERS.filter((name) => slots[name] !== undefined);
  if (last.length > 1)
    refuse(
      `The pipeline fills both ${last.join(' and ')}; only one of them can be the last layer.`,
    );
  const layers: Layer[] = [];
  for (const name of LAYER_NAMES) {
    const layer = slots[name];
    if (layer === undefined) continue;
    if (layer.name !== name)
      refuse(
        `The ${layer.name} layer was put in the ${name} slot; each layer goes in its own slot.`,
      );
    const closing = layers.find((l) => l.closes === true);
    if (closing !== undefined)
      refuse(`The ${name} layer comes after ${closing.name}, which answers every request.`);
    layers.push(layer);
  }
  if (layers.at(-1)?.closes !== true) {
    refuse(
      `The pipeline has no last layer (${layers.map((l) => l.name).join(' → ') || 'empty'}): fill ${LAST_LAYERS.join(' or ')}, or a layer that answers every request.`,
    );
  }
  return layers;
}
