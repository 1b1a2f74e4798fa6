/**
 * A seeded pseudo-random source for mocks. Core code never calls Math.random: every generated
 * value derives from (seed, a stable path such as the request key and the JSON pointer), so the
 * same request with the same seed always gets the same answer, and a new field elsewhere in a
 * schema does not shift every value after it.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** An independent stream for a sub-path (a property name, an array index). */
  fork(label: string): Rng;
}

/** 32-bit FNV-1a over the UTF-16 code units of a string. */
export function fnv1a(text: string, basis = 0x811c9dc5): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * sfc32 from three 32-bit words (the counter starts at 1), warmed up so that similar seeds give
 * unrelated streams: fast, small state, good enough for fake data. Subclasses say how a stream
 * forks; the OpenAPI mock seeds from a label string, the GraphQL mock from a running key.
 */
export abstract class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  protected constructor(a: number, b: number, c: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    for (let i = 0; i < 12; i++) this.word();
  }

  private word(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.word() / 4294967296;
  }

  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  abstract fork(label: string): Rng;
}

/** sfc32 seeded from three FNV-1a hashes of a label; a fork extends the label. */
class LabelRng extends Sfc32 {
  constructor(private readonly label: string) {
    super(fnv1a(label, 0x811c9dc5), fnv1a(label, 0x9e3779b9), fnv1a(label, 0x85ebca6b));
  }

  fork(label: string): Rng {
    return new LabelRng(`${this.label}\u0000${label}`);
  }
}

/** The random source for a seed and a stable label (e.g. `${seed}` and the request key). */
export function seededRng(seed: string | number, label = ''): Rng {
  return new LabelRng(`${String(seed)}\u0000${label}`);
}
