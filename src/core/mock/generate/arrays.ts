/** Arrays: how many items, each from its own fork of the rng, `contains` and `uniqueItems` met. */
import type { JsonValue } from '../../json.js';
import { NONE, type Ctx, type GeneratorHost, type Result, type Schema } from './context.js';
import type { Flat } from './flat.js';

/** `emails` -> `email`, `categories` -> `category`: a name for one item of a list. */
function singular(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (/ies$/i.test(name)) return `${name.slice(0, -3)}y`;
  if (/(ss|sh|ch|x)es$/i.test(name)) return name.slice(0, -2);
  if (/[^s]s$/i.test(name)) return name.slice(0, -1);
  return name;
}

function itemSchema(flat: Flat, index: number): Schema {
  const list = index < flat.prefixItems.length ? flat.prefixItems[index]! : flat.items;
  if (list.length === 0) return true;
  return list.length === 1 ? list[0] : { allOf: list };
}

export function generateArray(g: GeneratorHost, flat: Flat, ctx: Ctx): JsonValue[] {
  const rng = ctx.rng;
  const minItems = Math.max(flat.minItems ?? 0, flat.contains.length > 0 ? 1 : 0);
  let maxItems = flat.maxItems ?? Infinity;
  if (flat.itemsFalse) maxItems = Math.min(maxItems, flat.prefixItems.length);
  let count: number;
  const recursive = flat.items.some((s) => g.recursive(s, ctx));
  if (g.cut(ctx) || (recursive && minItems === 0)) count = minItems;
  else count = rng.int(Math.max(minItems, 1), Math.max(minItems, 1) + (ctx.depth >= 2 ? 0 : 2));
  count = Math.max(Math.min(count, maxItems), Math.min(minItems, maxItems));
  const containsAt = flat.contains.length > 0 ? rng.int(0, Math.max(0, count - 1)) : -1;
  const out: JsonValue[] = [];
  const seen = new Set<string>();
  const itemName = singular(ctx.name);
  for (let i = 0; out.length < count && i < count + 8; i++) {
    let schema = itemSchema(flat, out.length);
    if (out.length === containsAt) schema = { allOf: [schema, ...flat.contains] };
    let value: Result = NONE;
    for (let retry = 0; retry < (flat.uniqueItems ? 6 : 1); retry++) {
      const label = retry === 0 ? String(i) : `${i}#${retry}`;
      const candidate = g.value(schema, {
        rng: rng.fork(label),
        name: itemName,
        depth: ctx.depth + 1,
        refs: ctx.refs,
        pointer: `${ctx.pointer}/${out.length}`,
      });
      if (candidate === NONE) break;
      if (flat.uniqueItems) {
        const key = JSON.stringify(candidate);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      value = candidate;
      break;
    }
    if (value === NONE) {
      if (out.length >= minItems) break;
      continue;
    }
    out.push(value);
  }
  if (out.length < minItems) g.issue(ctx, `could only produce ${out.length} of ${minItems} items`);
  return out;
}
