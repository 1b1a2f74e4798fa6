import type { Cassette, NamedCassette } from '../../core/cassette/model.js';
import { isTapedeckError } from '../../core/errors.js';
import type { CassetteLoadProblem } from '../../core/ports/index.js';

/**
 * `loadAll` of a cassette store: each listed cassette loaded in turn. One that cannot be loaded
 * (a TapedeckError: invalid, unreadable, a bad name) is a problem of its own and the others
 * still load; any other error is a bug and is thrown.
 */
export async function loadEach(
  names: readonly string[],
  load: (name: string) => Promise<Cassette | undefined>,
): Promise<{ cassettes: NamedCassette[]; problems: CassetteLoadProblem[] }> {
  const cassettes: NamedCassette[] = [];
  const problems: CassetteLoadProblem[] = [];
  for (const name of names) {
    try {
      const cassette = await load(name);
      if (cassette !== undefined) cassettes.push({ name, cassette });
    } catch (error) {
      if (!isTapedeckError(error)) throw error;
      problems.push({ name, error });
    }
  }
  return { cassettes, problems };
}
