import type { Interaction, NamedCassette } from '../cassette/model.js';
import type { MatchConfig } from './config.js';
import { match, type MatchResult } from './match.js';
import { normalizeRequest, type NormalizedRequest } from './normalize.js';

/** The recorded interactions of one cassette that share a normalized request, in recorded order. */
export interface IndexEntry {
  readonly cassette: string;
  readonly key: string;
  /** Positions in the cassette's `interactions`, in recorded order. */
  readonly positions: readonly number[];
}

export interface InteractionRef {
  readonly cassette: string;
  readonly position: number;
}

export interface NearMiss extends InteractionRef {
  readonly normalized: NormalizedRequest;
  readonly result: MatchResult;
}

/**
 * Lookup from a normalized request to its recorded interactions. Lookup is a hash of the
 * normalized request (a Map over `key`), never a scan; only misses scan, to explain themselves.
 * When several cassettes hold the same request and the request does not name one, the first
 * cassette by name answers, so the choice is stable across runs.
 */
export class ReplayIndex {
  readonly config: MatchConfig;
  /**
   * The entry that answers each key (the first cassette by name that holds it), filed under a
   * 30-bit hash of the key (`keyHash`); the rare keys that share a hash share an array. At
   * 100,000+ keys the table no longer fits in the CPU caches and every pointer a lookup follows
   * is a likely cache miss: a small-integer key is compared where it lies in the table, where a
   * string key must be fetched from wherever it sits to be compared. The full key is still
   * compared, once, on the entry found (`entry.key`): a hash never decides a match alone.
   */
  private readonly byHash = new Map<number, IndexEntry | IndexEntry[]>();
  private readonly byCassetteKey = new Map<string, IndexEntry>();
  private readonly cassettes = new Map<string, readonly Interaction[]>();
  private interactionCount = 0;

  constructor(cassettes: readonly NamedCassette[], config: MatchConfig) {
    this.config = config;
    const sorted = [...cassettes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { name, cassette } of sorted) this.addCassette(name, cassette.interactions);
  }

  private addCassette(name: string, interactions: readonly Interaction[]): void {
    this.cassettes.set(name, interactions);
    this.interactionCount += interactions.length;
    interactions.forEach((interaction, position) => {
      const normalized = normalizeRequest(interaction.request, this.config);
      const ck = `${name}\u0000${normalized.key}`;
      const existing = this.byCassetteKey.get(ck);
      if (existing) {
        (existing.positions as number[]).push(position);
        return;
      }
      // Only the key is kept. Keeping every NormalizedRequest made V8 pretenure the objects
      // normalizeRequest allocates, and request-time normalization then ran 3-4x slower in
      // processes with many recordings; misses normalize the candidates again, once, lazily.
      const entry: IndexEntry = { cassette: name, key: normalized.key, positions: [position] };
      this.byCassetteKey.set(ck, entry);
      // Cassettes arrive sorted by name: the first to hold a key answers for it.
      const hash = keyHash(normalized.key);
      const filed = this.byHash.get(hash);
      if (filed === undefined) this.byHash.set(hash, entry);
      else if (Array.isArray(filed)) {
        if (!filed.some((e) => e.key === entry.key)) filed.push(entry);
      } else if (filed.key !== entry.key) this.byHash.set(hash, [filed, entry]);
    });
  }

  get size(): number {
    return this.interactionCount;
  }

  cassetteNames(): string[] {
    return [...this.cassettes.keys()];
  }

  hasCassette(name: string): boolean {
    return this.cassettes.has(name);
  }

  interaction(ref: InteractionRef): Interaction | undefined {
    return this.cassettes.get(ref.cassette)?.[ref.position];
  }

  /** Every interaction, cassette by cassette, in recorded order. */
  *all(): Generator<InteractionRef & { interaction: Interaction }> {
    for (const [cassette, interactions] of this.cassettes) {
      for (let position = 0; position < interactions.length; position++) {
        yield { cassette, position, interaction: interactions[position]! };
      }
    }
  }

  /** Normalized recordings for explaining misses, computed on the first miss and kept. */
  private normalizedCache: Map<IndexEntry, NormalizedRequest> | undefined;

  private normalizedOf(entry: IndexEntry): NormalizedRequest {
    this.normalizedCache ??= new Map();
    let normalized = this.normalizedCache.get(entry);
    if (normalized === undefined) {
      normalized = normalizeRequest(
        this.interaction({ cassette: entry.cassette, position: entry.positions[0]! })!.request,
        this.config,
      );
      this.normalizedCache.set(entry, normalized);
    }
    return normalized;
  }

  lookup(key: string, cassette?: string): IndexEntry | undefined {
    if (cassette !== undefined) return this.byCassetteKey.get(`${cassette}\u0000${key}`);
    const filed = this.byHash.get(keyHash(key));
    if (filed === undefined) return undefined;
    if (!Array.isArray(filed)) return filed.key === key ? filed : undefined;
    return filed.find((e) => e.key === key);
  }

  /**
   * The recorded requests nearest to `request`, closest first (ties broken by cassette name and
   * position, so the report is stable). Restricted to one cassette when `cassette` is given.
   */
  nearest(request: NormalizedRequest, limit = 3, cassette?: string): NearMiss[] {
    const scored: NearMiss[] = [];
    for (const entry of this.byCassetteKey.values()) {
      if (cassette !== undefined && entry.cassette !== cassette) continue;
      const normalized = this.normalizedOf(entry);
      scored.push({
        cassette: entry.cassette,
        position: entry.positions[0]!,
        normalized,
        result: match(request, normalized),
      });
    }
    scored.sort(
      (a, b) =>
        a.result.distance - b.result.distance ||
        (a.cassette < b.cassette ? -1 : a.cassette > b.cassette ? 1 : 0) ||
        a.position - b.position,
    );
    return scored.slice(0, limit);
  }
}

/**
 * Where each session stands in each recorded sequence. Repeated identical requests get the
 * recorded responses in order; after the last, the last repeats. Sessions never share a
 * position, so parallel test workers that send `x-tapedeck-session` stay deterministic.
 */
export class SequenceCursors {
  private readonly positions = new Map<string, Map<IndexEntry, number>>();

  /** The position to answer with, advancing the session's cursor for this entry. */
  next(session: string, entry: IndexEntry): number {
    let cursors = this.positions.get(session);
    if (cursors === undefined) {
      cursors = new Map();
      this.positions.set(session, cursors);
    }
    const step = cursors.get(entry) ?? 0;
    const last = entry.positions.length - 1;
    if (step < last) cursors.set(entry, step + 1);
    return entry.positions[Math.min(step, last)]!;
  }

  /** Forget one session's positions, or every session's when `session` is undefined. */
  reset(session?: string): void {
    if (session === undefined) this.positions.clear();
    else this.positions.delete(session);
  }

  get sessionCount(): number {
    return this.positions.size;
  }
}

/**
 * FNV-1a over the UTF-16 code units of a key, cut to 30 bits so that V8 keeps it as a small
 * integer (a Smi: no allocation, compared in place). Keys that collide are told apart by the
 * full key (see `ReplayIndex.byHash`).
 */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 2;
}
