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

type Range = readonly [number, number];

type Node =
  | { readonly t: 'set'; readonly ranges: readonly Range[]; readonly negate: boolean }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly options: readonly Node[] }
  | { readonly t: 'repeat'; readonly node: Node; readonly min: number; readonly max: number }
  | { readonly t: 'group'; readonly node: Node; readonly index: number | undefined }
  | { readonly t: 'backref'; readonly index: number }
  /** Zero-width: anchors, word boundaries, lookarounds. Emits nothing. */
  | { readonly t: 'assert' };

const DIGIT: readonly Range[] = [[0x30, 0x39]];
const WORD: readonly Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: readonly Range[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
];
/** What `.` and negated sets draw from: printable ASCII without the space. */
const PRINTABLE: Range = [0x21, 0x7e];
/** Characters a `.` prefers: letters and digits read better than punctuation. */
const FRIENDLY: readonly Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

class ParseError extends Error {}

class Parser {
  private pos = 0;
  private groups = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.src.length) throw new ParseError(`unexpected ${this.src[this.pos]}`);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private alternation(): Node {
    const options: Node[] = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '?') [min, max] = [0, 1];
    else if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m === null) return atom; // a literal `{` (not valid with the u flag, but harmless)
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.pos += m[0].length - 1;
    } else return atom;
    this.pos++;
    if (this.peek() === '?') this.pos++; // lazy: same language
    if (atom.t === 'assert') return atom;
    return { t: 'repeat', node: atom, min, max };
  }

  private atom(): Node {
    const c = this.src[this.pos++]!;
    switch (c) {
      case '^':
      case '$':
        return { t: 'assert' };
      case '.':
        return { t: 'set', ranges: [[0x0a, 0x0a]], negate: true };
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '\\':
        return this.escape(false);
      default:
        return literal(c.codePointAt(0)!);
    }
  }

  private group(): Node {
    let index: number | undefined;
    let assertion = false;
    if (this.src.startsWith('?:', this.pos)) this.pos += 2;
    else if (/^\?<?[=!]/.test(this.src.slice(this.pos, this.pos + 3))) {
      assertion = true;
      this.pos += this.src[this.pos + 1] === '<' ? 3 : 2;
    } else if (this.src.startsWith('?<', this.pos)) {
      const end = this.src.indexOf('>', this.pos);
      if (end < 0) throw new ParseError('unterminated group name');
      this.pos = end + 1;
      index = ++this.groups;
    } else {
      index = ++this.groups;
    }
    const node = this.alternation();
    if (this.src[this.pos++] !== ')') throw new ParseError('unterminated group');
    return assertion ? { t: 'assert' } : { t: 'group', node, index };
  }

  /** After a backslash; inside a class only single characters and \d\w\s sets are valid. */
  private escape(inClass: boolean): Node {
    const c = this.src[this.pos++];
    if (c === undefined) throw new ParseError('trailing backslash');
    switch (c) {
      case 'd':
        return { t: 'set', ranges: DIGIT, negate: false };
      case 'D':
        return { t: 'set', ranges: DIGIT, negate: true };
      case 'w':
        return { t: 'set', ranges: WORD, negate: false };
      case 'W':
        return { t: 'set', ranges: WORD, negate: true };
      case 's':
        return { t: 'set', ranges: SPACE, negate: false };
      case 'S':
        return { t: 'set', ranges: SPACE, negate: true };
      case 'n':
        return literal(0x0a);
      case 'r':
        return literal(0x0d);
      case 't':
        return literal(0x09);
      case 'f':
        return literal(0x0c);
      case 'v':
        return literal(0x0b);
      case '0':
        return literal(0);
      case 'b':
        return inClass ? literal(0x08) : { t: 'assert' };
      case 'B':
        return { t: 'assert' };
      case 'x': {
        const hex = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.pos));
        if (hex === null) throw new ParseError('bad \\x escape');
        this.pos += 2;
        return literal(parseInt(hex[0], 16));
      }
      case 'u': {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(this.src.slice(this.pos));
        if (braced !== null) {
          this.pos += braced[0].length;
          return literal(parseInt(braced[1]!, 16));
        }
        const hex = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.pos));
        if (hex === null) throw new ParseError('bad \\u escape');
        this.pos += 4;
        return literal(parseInt(hex[0], 16));
      }
      case 'p':
      case 'P': {
        // Unicode property: steer towards the ASCII members; the final regex check decides.
        const m = /^\{([^}]*)\}/.exec(this.src.slice(this.pos));
        if (m !== null) this.pos += m[0].length;
        return { t: 'set', ranges: propertyRanges(m?.[1] ?? ''), negate: c === 'P' };
      }
      default:
        if (!inClass && /[1-9]/.test(c)) {
          let digits = c;
          while (/[0-9]/.test(this.peek() ?? '')) digits += this.src[this.pos++]!;
          return { t: 'backref', index: Number(digits) };
        }
        if (!inClass && c === 'k') {
          const end = this.src.indexOf('>', this.pos);
          this.pos = end < 0 ? this.src.length : end + 1;
          return { t: 'assert' };
        }
        return literal(c.codePointAt(0)!);
    }
  }

  private charClass(): Node {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos++;
    }
    const ranges: Range[] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined) throw new ParseError('unterminated class');
      if (c === ']' && !first) break;
      first = false;
      let low: number;
      if (c === '\\') {
        const node = this.escape(true);
        if (node.t !== 'set') continue;
        if (node.negate) {
          ranges.push(...complement(node.ranges));
          continue;
        }
        if (node.ranges.length !== 1 || node.ranges[0]![0] !== node.ranges[0]![1]) {
          ranges.push(...node.ranges);
          continue;
        }
        low = node.ranges[0]![0];
      } else {
        low = c.codePointAt(0)!;
        if (low > 0xffff) this.pos++;
      }
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        let high: number;
        const h = this.src[this.pos++]!;
        if (h === '\\') {
          const node = this.escape(true);
          if (node.t !== 'set' || node.ranges.length !== 1) throw new ParseError('bad range');
          high = node.ranges[0]![0];
        } else {
          high = h.codePointAt(0)!;
          if (high > 0xffff) this.pos++;
        }
        if (high < low) throw new ParseError('range out of order');
        ranges.push([low, high]);
      } else {
        ranges.push([low, low]);
      }
    }
    return { t: 'set', ranges, negate };
  }
}

/** ASCII stand-ins for the Unicode properties specs use (`\p{L}`, `\p{Lu}`, `\p{N}`...). */
function propertyRanges(name: string): Range[] {
  const value = name.replace(/^(General_Category|gc)=/, '');
  if (/^(Lu|Uppercase_Letter|Uppercase)$/.test(value)) return [[0x41, 0x5a]];
  if (/^(Ll|Lowercase_Letter|Lowercase)$/.test(value)) return [[0x61, 0x7a]];
  if (/^(N|Nd|Number|Decimal_Number|digit)$/.test(value)) return [[0x30, 0x39]];
  if (/^(P|Punctuation)$/.test(value))
    return [
      [0x21, 0x21],
      [0x2e, 0x2e],
    ];
  if (/^(L|Letter|Alphabetic|Script=Latin|sc=Latin)$/.test(value)) {
    return [
      [0x41, 0x5a],
      [0x61, 0x7a],
    ];
  }
  return [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ];
}

function literal(code: number): Node {
  return { t: 'set', ranges: [[code, code]], negate: false };
}

/** The printable-ASCII characters outside `ranges`. */
function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let start = PRINTABLE[0];
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (const [lo, hi] of sorted) {
    if (hi < start) continue;
    if (lo > start) out.push([start, Math.min(lo - 1, PRINTABLE[1])]);
    start = Math.max(start, hi + 1);
    if (start > PRINTABLE[1]) break;
  }
  if (start <= PRINTABLE[1]) out.push([start, PRINTABLE[1]]);
  return out.filter(([lo, hi]) => lo <= hi);
}

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
