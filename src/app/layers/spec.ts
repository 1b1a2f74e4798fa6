import type { SpecMock } from '../mock/spec-mock.js';
import type { Layer } from '../pipeline/context.js';

/**
 * Layer 8: what no cassette answered, the spec answers: a documented example or a generated
 * body, marked `x-tapedeck-layer: spec`. Requests the spec does not document (unknown path or
 * method) pass on to the miss layer, which explains them against the recordings.
 */
export function specLayer(mock: SpecMock): Layer {
  return {
    name: 'spec',
    handle(context) {
      const answer = mock.answer(context.incoming, false);
      return answer === undefined ? undefined : { reply: answer.reply };
    },
  };
}
