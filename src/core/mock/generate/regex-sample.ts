/**
 * Strings that match a regular expression, for `pattern` in schemas.
 *
 * Covers the subset real API specs use: literals and escapes (`\d \w \s \D \W \S \. \n \t
 * \uXXXX \xHH`), classes with ranges and negation, `.`, groups (capturing, non-capturing, named),
 * alternation, quantifiers (`? * + {n} {n,} {n,m}`, lazy or not), anchors `^ $ \b \B` and
 * backreferences. Lookarounds and Unicode property escapes are parsed but not steered: the
 * sampler draws candidates and keeps the first one `new RegExp(pattern, 'u')` accepts (or,
 * for patterns only valid without the `u` flag, `new RegExp(pattern)`, as ajv with
 * `unicodeRegExp: false`). Every
 * returned string has been checked against the real regex; when nothing matches, the result is
 * `undefined` (never a non-matching string), and the caller decides what to do.
 */
import { patternRegex } from '../openapi/conforms.js';
import type { Rng } from './random.js';
import { complement, FRIENDLY, ParseError, Parser, type Node, type Range } from './regex-parse.js';

function intersect(ranges: readonly Range[], within: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [lo, hi] of ranges) {
    for (const [a, b] of within) {
      const l = Math.max(lo, a);
      const h = Math.min(hi, b);
      if (l <= h) out.push([l, h]);
    }
  }
  return out;
}

function pickFrom(ranges: readonly Range[], rng: Rng): number {
  let total = 0;
  for (const [lo, hi] of ranges) total += hi - lo + 1;
  let n = rng.int(0, total - 1);
  for (const [lo, hi] of ranges) {
    const size = hi - lo + 1;
    if (n < size) return lo + n;
    n -= size;
  }
  return ranges[0]![0];
}

/** How a pass chooses repetition counts for unbounded quantifiers. */
interface Plan {
  /** Extra repetitions above the minimum an unbounded quantifier may add. */
  readonly extra: number;
  /** Bounded quantifiers stay at their minimum. */
  readonly minimal: boolean;
  /**
   * Aim at a length: the characters still to add above the pattern's shortest match.
   * Quantifiers take what they can from it, first come first served.
   */
  readonly fill?: { remaining: number };
}

const minLengths = new WeakMap<Node, number>();

/** The length of the shortest string the node emits (backreferences counted as empty). */
function minLength(node: Node): number {
  const known = minLengths.get(node);
  if (known !== undefined) return known;
  let length: number;
  switch (node.t) {
    case 'set':
      length = 1;
      break;
    case 'seq':
      length = node.items.reduce((sum, item) => sum + minLength(item), 0);
      break;
    case 'alt':
      length = Math.min(...node.options.map(minLength));
      break;
    case 'repeat':
      length = node.min * minLength(node.node);
      break;
    case 'group':
      length = minLength(node.node);
      break;
    case 'backref':
    case 'assert':
      length = 0;
      break;
  }
  minLengths.set(node, length);
  return length;
}

function emit(node: Node, rng: Rng, plan: Plan, groups: Map<number, string>): string {
  switch (node.t) {
    case 'set': {
      let ranges: readonly Range[] = node.negate ? complement(node.ranges) : node.ranges;
      if (ranges.length === 0) return '';
      // Among many choices (`.`, `\S`, a negated set), prefer letters and digits.
      const friendly = intersect(ranges, FRIENDLY);
      if (friendly.length > 0 && (node.negate || rng.next() < 0.9)) ranges = friendly;
      return String.fromCodePoint(pickFrom(ranges, rng));
    }
    case 'seq':
      return node.items.map((item) => emit(item, rng, plan, groups)).join('');
    case 'alt':
      return emit(rng.pick(node.options), rng, plan, groups);
    case 'repeat': {
      let count: number;
      if (plan.fill !== undefined) {
        const unit = Math.max(1, minLength(node.node));
        const want = Math.min(node.max - node.min, Math.floor(plan.fill.remaining / unit));
        plan.fill.remaining -= want * unit;
        count = node.min + want;
      } else {
        const cap = node.max === Infinity ? node.min + plan.extra : node.max;
        count = plan.minimal ? node.min : rng.int(node.min, Math.max(node.min, cap));
      }
      let out = '';
      for (let i = 0; i < count; i++) out += emit(node.node, rng, plan, groups);
      return out;
    }
    case 'group': {
      const text = emit(node.node, rng, plan, groups);
      if (node.index !== undefined) groups.set(node.index, text);
      return text;
    }
    case 'backref':
      return groups.get(node.index) ?? '';
    case 'assert':
      return '';
  }
}

export interface RegexSampleOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
}

const cache = new Map<string, { regex: RegExp; ast: Node | undefined } | undefined>();

function compile(pattern: string): { regex: RegExp; ast: Node | undefined } | undefined {
  if (cache.has(pattern)) return cache.get(pattern);
  let entry: { regex: RegExp; ast: Node | undefined } | undefined;
  try {
    const regex = patternRegex(pattern);
    if (regex === null) throw new ParseError('not a regular expression');
    let ast: Node | undefined;
    try {
      ast = new Parser(pattern).parse();
    } catch {
      ast = undefined;
    }
    entry = { regex, ast };
  } catch {
    entry = undefined;
  }
  if (cache.size > 2000) cache.clear();
  cache.set(pattern, entry);
  return entry;
}

/** Plain strings tried when the sampler cannot steer the pattern (lookarounds, odd syntax). */
const FALLBACKS = ['', 'a', 'abc', 'example', 'Example1', 'A1b2C3d4', '0', '123', 'a-b_c.d'];

function lengthOk(text: string, options: RegexSampleOptions): boolean {
  const length = [...text].length;
  return (
    (options.minLength === undefined || length >= options.minLength) &&
    (options.maxLength === undefined || length <= options.maxLength)
  );
}

/**
 * A string that `new RegExp(pattern, 'u')` matches (JSON Schema patterns are unanchored) and
 * whose length in code points lies within the options, drawn deterministically from `rng`; or
 * undefined when the pattern is not a valid regex or no candidate fits.
 */
export function sampleRegex(
  pattern: string,
  rng: Rng,
  options: RegexSampleOptions = {},
): string | undefined {
  const compiled = compile(pattern);
  if (compiled === undefined) return undefined;
  const { regex, ast } = compiled;
  const accept = (text: string): boolean => lengthOk(text, options) && regex.test(text);
  const min = options.minLength ?? 0;
  if (ast !== undefined) {
    const plans: (Plan | 'fill')[] = [
      { extra: 3, minimal: false },
      { extra: 3, minimal: false },
      { extra: 0, minimal: true },
      { extra: Math.max(4, min), minimal: false },
      { extra: Math.max(8, min * 2), minimal: false },
    ];
    // With length limits, every other attempt aims at a length inside them.
    if (options.minLength !== undefined || options.maxLength !== undefined) {
      for (let i = plans.length; i >= 0; i--) plans.splice(i, 0, 'fill');
    }
    const shortest = minLength(ast);
    for (let attempt = 0; attempt < 12; attempt++) {
      const draw = rng.fork(`regex${attempt}`);
      let plan = plans[attempt % plans.length]!;
      if (plan === 'fill') {
        const low = Math.max(min, shortest);
        const high = Math.max(low, Math.min(options.maxLength ?? low + 8, low + 12));
        plan = { extra: 0, minimal: false, fill: { remaining: draw.int(low, high) - shortest } };
      }
      const text = emit(ast, draw, plan, new Map());
      if (accept(text)) return text;
      // Unanchored patterns still match with characters around the match: pad to length.
      if (regex.test(text) && [...text].length < min) {
        const padded = text + 'x'.repeat(min - [...text].length);
        if (accept(padded)) return padded;
        const prefixed = 'x'.repeat(min - [...text].length) + text;
        if (accept(prefixed)) return prefixed;
      }
    }
  }
  for (const candidate of FALLBACKS) {
    if (accept(candidate)) return candidate;
  }
  return undefined;
}
