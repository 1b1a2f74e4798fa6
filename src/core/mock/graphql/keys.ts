/**
 * Value keys for the GraphQL mock: a key names where a value sits (seed, entity or path, field,
 * arguments) and seeds the random source that makes it. A key is three running FNV-1a hashes
 * rather than a string, so extending it by a field name costs the field name only: an answer
 * makes one key per value, and hashing each full path again was a fifth of the mock's time.
 *
 * The generator is core/mock/random.ts's sfc32, seeded from the three hashes, so the shared
 * name-aware generator takes it.
 */
import { Sfc32, type Rng } from '../generate/random.js';

const FNV_PRIME = 0x01000193;

function extend(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

/** The shared sfc32, seeded from a key's three hashes; a fork extends the key. */
class KeyedRng extends Sfc32 {
  constructor(private readonly key: ValueKey) {
    super(key.a, key.b, key.c);
  }

  fork(label: string): Rng {
    return this.key.with(`\u0000${label}`).rng();
  }
}

/** Where a value sits, as running hashes: `root(seed, 'User:"7"').with('.email').rng()`. */
export class ValueKey {
  private constructor(
    readonly a: number,
    readonly b: number,
    readonly c: number,
  ) {}

  /** The key of `label` under `seed`. */
  static root(seed: string, label: string): ValueKey {
    const text = `${seed}\u0000${label}`;
    return new ValueKey(
      extend(0x811c9dc5, text),
      extend(0x9e3779b9, text),
      extend(0x85ebca6b, text),
    );
  }

  /** The key of this key's text followed by `suffix`. */
  with(suffix: string): ValueKey {
    return new ValueKey(extend(this.a, suffix), extend(this.b, suffix), extend(this.c, suffix));
  }

  /** A random source seeded by this key: the same key, the same values. */
  rng(): Rng {
    return new KeyedRng(this);
  }
}
