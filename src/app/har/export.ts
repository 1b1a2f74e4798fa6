import type { NamedCassette } from '../../core/cassette/model.js';
import { checkCassetteName } from '../../core/cassette/name.js';
import { TapedeckError } from '../../core/errors.js';
import { cassettesToHar } from '../../core/har/to-har.js';
import type { HarLog } from '../../core/har/model.js';
import type { BodyCodec, CassetteStore } from '../../core/ports/index.js';
import { loadCassettesOrFail } from '../replay/server.js';

export interface HarExportInput {
  readonly store: CassetteStore;
  readonly codec: BodyCodec;
  /** `--cassette`, in the order given; every cassette when empty. */
  readonly cassettes: readonly string[];
  readonly version: string;
}

/**
 * `tapedeck export har`: cassettes as one HAR 1.2 log. Cassettes hold only redacted values,
 * so the HAR does too. A cassette that does not load fails the export (TD_CASSETTE_INVALID),
 * as it fails replay: a partial HAR would look complete.
 */
export async function exportHar(
  input: HarExportInput,
): Promise<{ har: HarLog; interactions: number; cassettes: number }> {
  let chosen: NamedCassette[];
  if (input.cassettes.length === 0) {
    chosen = await loadCassettesOrFail(input.store);
  } else {
    chosen = [];
    for (const raw of input.cassettes) {
      const name = checkCassetteName(raw, '--cassette');
      const cassette = await input.store.load(name);
      if (cassette === undefined) {
        const known = await input.store.list();
        throw new TapedeckError('TD_USAGE', `No cassette named ${name}.`, {
          details: { cassette: name },
          hint:
            known.length === 0
              ? 'The cassettes directory is empty.'
              : `Cassettes: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}.`,
        });
      }
      chosen.push({ name, cassette });
    }
  }
  const har = cassettesToHar(chosen, input.codec, input.version);
  return {
    har,
    cassettes: chosen.length,
    interactions: chosen.reduce((n, c) => n + c.cassette.interactions.length, 0),
  };
}
