/** `drift --update`: drifted interactions re-recorded, one atomic update per cassette. */
import type { Cassette, Interaction } from '../../core/cassette/model.js';
import { CASSETTE_VERSION } from '../../core/cassette/model.js';
import type { CassetteStore } from '../../core/ports/index.js';
import { requestKey, shownTarget } from './recorded.js';
import type { CheckedStep, UpdatedInteraction } from './types.js';

/** Writes the re-recorded interactions of one cassette in one atomic update. */
export async function writeUpdates(
  store: CassetteStore,
  name: string,
  checked: readonly CheckedStep[],
) {
  const updated: UpdatedInteraction[] = [];
  const notUpdated: (UpdatedInteraction & { why: string })[] = [];
  const replace = new Map<number, Interaction>();
  for (const c of checked) {
    if (c.drift.outcome !== 'drift') continue;
    const id = {
      cassette: name,
      index: c.drift.index,
      method: c.drift.method,
      target: c.drift.target,
    };
    if (c.replacement !== undefined) replace.set(c.drift.index, c.replacement);
    else notUpdated.push({ ...id, why: c.notReplaced ?? 'no live answer to record' });
  }
  if (replace.size === 0) return { updated, notUpdated };
  await store.update(name, (current): Cassette => {
    if (current === undefined) return { version: CASSETTE_VERSION, interactions: [] };
    const interactions = current.interactions.map((it, i) => {
      const next = replace.get(i);
      // Only when the cassette still holds the request that was checked at this position.
      if (next === undefined || requestKey(it.request) !== requestKey(checked[i]!.original.request))
        return it;
      updated.push({
        cassette: name,
        index: i,
        method: it.request.method,
        target: shownTarget(it.request),
      });
      return next;
    });
    return { ...current, interactions };
  });
  for (const [i] of replace) {
    if (!updated.some((u) => u.index === i)) {
      const c = checked[i]!;
      notUpdated.push({
        cassette: name,
        index: i,
        method: c.drift.method,
        target: c.drift.target,
        why: 'the cassette changed on disk while drift ran',
      });
    }
  }
  return { updated, notUpdated };
}
