/**
 * Id shapes (docs/design/issue-13-plan.md §1.3): learning one from observed ids or from a spec
 * `pattern`, checking an id against one, and drawing new ids — deterministically, from the
 * tenant's id seed and a counter through the mocks' seeded RNG, so a tenant's ids are the same
 * on every run and differ between tenants.
 */
import { seededRng } from '../../mock/generate/random.js';
import { Parser, type Node, type Range } from '../../mock/generate/regex-parse.js';
import type { IdShape } from './model.js';

type Alphabet = Extract<IdShape, { kind: 'random' }>['alphabet'];

export const ALPHABETS: Readonly<Record<Alphabet, string>> = {
  digits: '0123456789',
  hex: '0123456789abcdef',
  base36: '0123456789abcdefghijklmnopqrstuvwxyz',
  base62: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
};
/** Smallest first: the first that covers every character is the one learned. */
const BY_SIZE: readonly Alphabet[] = ['digits', 'hex', 'base36', 'base62'];

/** When nothing is known: 24 base62 characters, no prefix (143 bits). */
export const DEFAULT_ID_SHAPE: IdShape = {
  kind: 'random',
  prefix: '',
  length: 24,
  alphabet: 'base62',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGITS = /^\d{1,15}$/;

/**
 * The `counter`-th id (from 0) of a tenant whose id seed is `seed`: the same for the same
 * arguments, and different across seeds and counters — `random` from the seeded RNG over
 * (seed, counter), `sequence` as `start + counter` (a sequence is per tenant, or per parent,
 * by design), `uuid` a version-4-formatted UUID from the RNG.
 */
export function newId(shape: IdShape, seed: string, counter: number): string {
  switch (shape.kind) {
    case 'sequence':
      return String(shape.start + counter);
    case 'uuid': {
      const rng = seededRng(seed, `uuid\u0000${counter}`);
      const hex = Array.from({ length: 32 }, () => ALPHABETS.hex[rng.int(0, 15)]!);
      hex[12] = '4';
      hex[16] = ALPHABETS.hex[8 + rng.int(0, 3)]!;
      const s = hex.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    }
    case 'random': {
      const chars = ALPHABETS[shape.alphabet];
      const rng = seededRng(seed, `id\u0000${shape.prefix}\u0000${counter}`);
      let out = shape.prefix;
      for (let i = 0; i < shape.length; i++) out += chars[rng.int(0, chars.length - 1)]!;
      return out;
    }
  }
}

/** Does `id` have the shape (prefix, length, alphabet; digits; a UUID)? */
export function matchesShape(id: string, shape: IdShape): boolean {
  switch (shape.kind) {
    case 'sequence':
      return DIGITS.test(id);
    case 'uuid':
      return UUID.test(id);
    case 'random': {
      if (!id.startsWith(shape.prefix)) return false;
      const rest = id.slice(shape.prefix.length);
      if (rest.length !== shape.length) return false;
      const chars = ALPHABETS[shape.alphabet];
      for (const c of rest) if (!chars.includes(c)) return false;
      return true;
    }
  }
}

function smallestAlphabet(chars: Iterable<string>): Alphabet | undefined {
  const list = [...chars];
  return BY_SIZE.find((name) => list.every((c) => ALPHABETS[name].includes(c)));
}

/**
 * The shape of a type's observed ids: all digits → a sequence continuing after the largest
 * (in any order: lists often answer newest first); all UUIDs → uuid; else `random` with the longest
 * common prefix ending in `_`, the most frequent length of the rest, and the smallest alphabet
 * covering every character. Undefined when there is nothing to learn from.
 */
export function learnShape(ids: readonly string[]): IdShape | undefined {
  const seen = [...new Set(ids.filter((id) => id.length > 0))];
  if (seen.length === 0) return undefined;
  if (seen.every((id) => DIGITS.test(id))) {
    // In any order: a list answered newest first shows a sequence backwards.
    const numbers = seen.map(Number);
    return { kind: 'sequence', scope: 'tenant', start: Math.max(...numbers) + 1 };
  }
  if (seen.every((id) => UUID.test(id))) return { kind: 'uuid' };
  let common = seen[0]!;
  for (const id of seen) {
    let i = 0;
    while (i < common.length && i < id.length && common[i] === id[i]) i++;
    common = common.slice(0, i);
  }
  const prefix = common.slice(0, common.lastIndexOf('_') + 1);
  const lengths = new Map<number, number>();
  const chars = new Set<string>();
  for (const id of seen) {
    const rest = id.slice(prefix.length);
    lengths.set(rest.length, (lengths.get(rest.length) ?? 0) + 1);
    for (const c of rest) chars.add(c);
  }
  let length = 0;
  let best = 0;
  for (const [n, count] of lengths)
    if (count > best || (count === best && n > length)) [length, best] = [n, count];
  const alphabet = smallestAlphabet(chars);
  if (alphabet === undefined || length < 4 || length > 64) return undefined;
  return { kind: 'random', prefix, length, alphabet };
}

function charsOf(ranges: readonly Range[]): string[] | undefined {
  const out: string[] = [];
  for (const [from, to] of ranges) {
    if (to - from > 200) return undefined;
    for (let c = from; c <= to; c++) out.push(String.fromCharCode(c));
  }
  return out;
}

/**
 * The shape a spec `pattern` such as `^cus_[A-Za-z0-9]{14}$` describes: literal characters as
 * the prefix, then one class repeated a fixed number of times. Undefined for any other pattern.
 */
export function shapeFromPattern(pattern: string): IdShape | undefined {
  let tree: Node;
  try {
    tree = new Parser(pattern).parse();
  } catch {
    return undefined;
  }
  const items = (tree.t === 'seq' ? tree.items : [tree]).filter((n) => n.t !== 'assert');
  let prefix = '';
  let i = 0;
  for (; i < items.length; i++) {
    const node = items[i]!;
    if (node.t !== 'set' || node.negate || node.ranges.length !== 1) break;
    const [from, to] = node.ranges[0]!;
    if (from !== to) break;
    prefix += String.fromCharCode(from);
  }
  if (i !== items.length - 1) return undefined;
  const last = items[i]!;
  if (last.t !== 'repeat' || last.min !== last.max || last.node.t !== 'set' || last.node.negate)
    return undefined;
  const chars = charsOf(last.node.ranges);
  if (chars === undefined) return undefined;
  const alphabet = smallestAlphabet(chars);
  // The alphabet must be the class itself, not a superset of a stricter class (`[a-f]{8}`).
  if (alphabet === undefined || last.min < 4 || last.min > 64) return undefined;
  if (!/^[A-Za-z0-9_-]{0,32}$/.test(prefix)) return undefined;
  return { kind: 'random', prefix, length: last.min, alphabet };
}

/** How `--explain` names a shape: `cus_ + 14 base62`, `sequence per parent from 1`, `uuid`. */
export function describeShape(shape: IdShape): string {
  switch (shape.kind) {
    case 'random':
      return `${shape.prefix === '' ? '' : `${shape.prefix} + `}${shape.length} ${shape.alphabet}`;
    case 'sequence':
      return `sequence per ${shape.scope} from ${shape.start}`;
    case 'uuid':
      return 'uuid';
  }
}
