/**
 * The parser behind regex-sample.ts: a regular expression of the subset real API specs use,
 * read into a small tree of sets, sequences, alternations, repeats, groups, backreferences and
 * zero-width assertions. Throws ParseError on syntax it does not cover; the sampler then falls
 * back to candidates checked against the real RegExp.
 */
export type Range = readonly [number, number];

export type Node =
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

/** The class escapes, by their lower-case letter; the upper-case one is the complement. */
const CLASS_ESCAPES: ReadonlyMap<string, readonly Range[]> = new Map([
  ['d', DIGIT],
  ['w', WORD],
  ['s', SPACE],
]);

/** Escapes of one control character (`\n`, `\0`, …) and its code. */
const CONTROL_ESCAPES: ReadonlyMap<string, number> = new Map([
  ['n', 0x0a],
  ['r', 0x0d],
  ['t', 0x09],
  ['f', 0x0c],
  ['v', 0x0b],
  ['0', 0],
]);

/** What `.` and negated sets draw from: printable ASCII without the space. */
const PRINTABLE: Range = [0x21, 0x7e];
/** Characters a `.` prefers: letters and digits read better than punctuation. */
export const FRIENDLY: readonly Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

export class ParseError extends Error {}

export class Parser {
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
    const set = CLASS_ESCAPES.get(c.toLowerCase());
    // \d \w \s, and their complements \D \W \S.
    if (set !== undefined) return { t: 'set', ranges: set, negate: c !== c.toLowerCase() };
    const control = CONTROL_ESCAPES.get(c);
    if (control !== undefined) return literal(control);
    switch (c) {
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
export function complement(ranges: readonly Range[]): Range[] {
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
