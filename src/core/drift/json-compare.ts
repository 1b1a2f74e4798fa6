/**
 * Two JSON documents compared field by field. Bodies are diffed with json-diff-ts. Before the
 * diff, every array in the two documents is given an alignment (align.ts): by element identity
 * when every element on both sides carries one, by position otherwise. The changeset is then
 * walked together with both documents, so each finding carries the recorded location as a JSON
 * pointer and a stable path that survives insertions into id-aligned arrays. A second, aligned
 * pass finds reordered arrays and the vocabularies of enum-like fields.
 */
import { diff, type IChange } from 'json-diff-ts';
import { getOwn, jsonPointer, unescapePointerToken, type JsonValue } from '../json.js';
import { matchesJsonPath, parseJsonPath, type JsonPath } from '../jsonpath.js';
import { chooseIdentity, collectArrays, identityOf, indexOfElement, isContainer } from './align.js';
import type { CompareOptions } from './compare.js';
import { renderValue, short, withNoise } from './findings.js';
import type { Finding } from './model.js';
import { isBuiltinNoiseField, isEnumWord, isStatusLikeName } from './noise.js';

type Seg = string | number;

/** A location seen from both documents: where it is in each, and its stable name. */
interface Loc {
  readonly rec: readonly Seg[];
  readonly live: readonly Seg[];
  readonly stable: readonly string[];
  /** The key path json-diff-ts uses: object keys only, array indexes left out. */
  readonly keyPath: readonly string[];
}

const ROOT: Loc = { rec: [], live: [], stable: [], keyPath: [] };

/** Member `key` of the objects at `at`: the same key on both sides, and in the key path. */
function memberOf(at: Loc, key: string): Loc {
  return {
    rec: [...at.rec, key],
    live: [...at.live, key],
    stable: [...at.stable, key],
    keyPath: [...at.keyPath, key],
  };
}

/**
 * An element of the arrays at `at`: its index on each side, and its stable name (the index, or
 * `[id=42]` for arrays aligned by identity). Array indexes stay out of the key path.
 */
function elementOf(at: Loc, rec: Seg, live: Seg, identity: string, key: string): Loc {
  return {
    rec: [...at.rec, rec],
    live: [...at.live, live],
    stable: [...at.stable, identity === '$index' ? key : `[${identity}=${key}]`],
    keyPath: at.keyPath,
  };
}

function typeName(v: JsonValue | undefined): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function child(node: JsonValue | undefined, seg: Seg | undefined): JsonValue | undefined {
  if (seg === undefined || !isContainer(node)) return undefined;
  if (Array.isArray(node)) return typeof seg === 'number' ? node[seg] : undefined;
  return typeof seg === 'string' ? getOwn(node, seg) : undefined;
}

export class JsonComparison {
  private readonly findings: Finding[] = [];
  private readonly pinned: readonly JsonPath[];
  /** Identity field per json-diff-ts key path ('$index' when arrays there align by position). */
  private readonly identity = new Map<string, string>();
  /** Values of enum-like fields at aligned locations, by pattern pointer (`/data/*\/status`). */
  private readonly enums = new Map<string, { rec: Set<string>; live: Set<string>; n: number }>();

  constructor(
    private readonly recorded: JsonValue,
    private readonly live: JsonValue,
    private readonly options: CompareOptions,
  ) {
    this.pinned = options.ignore.map((p) => parseJsonPath(p));
  }

  run(): Finding[] {
    const arrays = new Map<string, JsonValue[][]>();
    collectArrays(this.recorded, [], arrays);
    collectArrays(this.live, [], arrays);
    for (const [keyPath, list] of arrays) this.identity.set(keyPath, chooseIdentity(list));

    const { recorded, live } = this;
    if (
      isContainer(recorded) &&
      isContainer(live) &&
      Array.isArray(recorded) === Array.isArray(live)
    ) {
      // Every array key path gets an explicit entry: json-diff-ts would otherwise look a missing
      // path up as a property of the Map (`values`, `size`), which is not what a body means.
      const changes = diff(recorded, live, { embeddedObjKeys: new Map(this.identity) });
      if (Array.isArray(recorded)) {
        const top = changes[0];
        if (top?.changes) this.walk(top.changes, recorded, live, ROOT);
      } else {
        this.walk(changes, recorded, live, ROOT);
      }
    } else {
      this.leaf(recorded, live, ROOT, true, true);
    }
    this.alignedPass(recorded, live, ROOT, []);
    this.enumFindings();
    return this.findings;
  }

  /** Walks one level of a json-diff-ts changeset together with the two documents. */
  private walk(changes: readonly IChange[], rec: JsonValue, live: JsonValue, at: Loc): void {
    const byKey = new Map<string, IChange[]>();
    for (const c of changes) {
      const list = byKey.get(c.key);
      if (list) list.push(c);
      else byKey.set(c.key, [c]);
    }
    const arrays = Array.isArray(rec) && Array.isArray(live);
    const identity = arrays ? (this.identity.get(at.keyPath.join('.')) ?? '$index') : undefined;
    for (const [key, group] of byKey) {
      let loc: Loc;
      let r: JsonValue | undefined;
      let l: JsonValue | undefined;
      if (arrays) {
        const ri = indexOfElement(rec, identity!, key);
        const li = indexOfElement(live, identity!, key);
        r = ri === undefined ? undefined : rec[ri];
        l = li === undefined ? undefined : live[li];
        loc = elementOf(at, ri ?? li ?? key, li ?? ri ?? key, identity!, key);
        if (r === undefined || l === undefined) {
          this.element(r, l, loc);
          continue;
        }
      } else {
        r = child(rec, key);
        l = child(live, key);
        loc = memberOf(at, key);
      }
      const nested = group.find((c) => c.changes !== undefined);
      if (
        nested?.changes &&
        isContainer(r) &&
        isContainer(l) &&
        Array.isArray(r) === Array.isArray(l)
      ) {
        this.walk(nested.changes, r, l, loc);
      } else {
        this.leaf(r, l, loc, r !== undefined, l !== undefined);
      }
    }
  }

  /** An array element present on one side only. */
  private element(r: JsonValue | undefined, l: JsonValue | undefined, at: Loc): void {
    const added = r === undefined;
    const noise = this.pinnedOrLearned(at);
    this.push(
      at,
      withNoise(
        added ? 'element-added' : 'element-removed',
        'non-breaking',
        noise,
        added ? { live: renderValue(l!) } : { recorded: renderValue(r) },
      ),
      added,
    );
  }

  /** A difference at one location that json-diff-ts did not break down further. */
  private leaf(
    r: JsonValue | undefined,
    l: JsonValue | undefined,
    at: Loc,
    hasRec: boolean,
    hasLive: boolean,
  ): void {
    if (!hasRec && !hasLive) return;
    if (
      hasRec &&
      hasLive &&
      isContainer(r) &&
      isContainer(l) &&
      Array.isArray(r) === Array.isArray(l)
    ) {
      // Same container type but no nested changeset: diff this subtree on its own.
      const sub = new JsonComparison(r, l, { ...this.options, ignore: [], volatile: new Set() });
      for (const f of sub.run()) this.findings.push(this.rebase(f, at));
      return;
    }
    const name = at.rec.at(-1);
    if (!hasLive) {
      // Learned noise says a value changes on every call, not that the field may vanish.
      const noise = this.pinnedOrLearned(at, false);
      this.push(at, withNoise('field-removed', 'breaking', noise, { recorded: renderValue(r!) }));
      return;
    }
    if (!hasRec) {
      const noise = this.pinnedOrLearned(at);
      this.push(at, withNoise('field-added', 'non-breaking', noise, { live: renderValue(l!) }));
      return;
    }
    if (typeName(r) !== typeName(l)) {
      // A type change is never noise: a client that parses the field breaks whatever its value.
      this.push(at, {
        kind: 'type-changed',
        severity: r === null ? 'non-breaking' : 'breaking',
        recorded: renderValue(r!),
        live: renderValue(l!),
      });
      return;
    }
    if (r === l) return;
    const noise =
      this.pinnedOrLearned(at) ??
      (isBuiltinNoiseField(name, r, l) ? ('builtin' as const) : undefined);
    this.push(
      at,
      withNoise('value-changed', 'non-breaking', noise, {
        recorded: renderValue(r!),
        live: renderValue(l!),
      }),
    );
  }

  private push(at: Loc, f: Omit<Finding, 'place' | 'path' | 'stablePath'>, liveSide = false): void {
    this.findings.push({
      ...f,
      place: 'body',
      path: jsonPointer(liveSide ? at.live : at.rec),
      stablePath: jsonPointer(at.stable),
    });
  }

  private rebase(f: Finding, at: Loc): Finding {
    const noise =
      f.severity !== 'noise' && f.kind !== 'type-changed'
        ? this.pinnedOrLearnedPointer(at, f.path, f.kind !== 'field-removed')
        : undefined;
    return {
      ...f,
      path: jsonPointer(at.rec) + f.path,
      stablePath: jsonPointer(at.stable) + (f.stablePath ?? f.path),
      ...(noise ? { severity: 'noise' as const, noiseReason: noise } : {}),
    };
  }

  private pinnedOrLearnedPointer(
    at: Loc,
    suffix: string,
    learnable: boolean,
  ): 'pinned' | 'learned' | undefined {
    const rec = jsonPointer(at.rec) + suffix;
    const segs = suffix === '' ? [] : suffix.slice(1).split('/').map(unescapePointerToken);
    const recAt = [...at.rec, ...segs.map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
    if (this.pinned.some((p) => prefixes(recAt).some((pre) => matchesJsonPath(p, pre))))
      return 'pinned';
    if (learnable && pointerPrefixes(rec).some((p) => this.options.volatile.has(p)))
      return 'learned';
    return undefined;
  }

  /**
   * Noise by config (pinned) hides additions, removals and value changes; noise by learning only
   * what `learnable` allows (never a removed field).
   */
  private pinnedOrLearned(at: Loc, learnable = true): 'pinned' | 'learned' | undefined {
    for (const segs of [at.rec, at.live]) {
      if (this.pinned.some((p) => prefixes(segs).some((pre) => matchesJsonPath(p, pre))))
        return 'pinned';
    }
    if (!learnable) return undefined;
    for (const segs of [at.rec, at.live]) {
      if (pointerPrefixes(jsonPointer(segs)).some((p) => this.options.volatile.has(p)))
        return 'learned';
    }
    return undefined;
  }

  /**
   * A second walk over the locations both documents share, aligned the same way as the diff:
   * finds reordered id-aligned arrays (json-diff-ts keys them by id, so order is invisible to it)
   * and collects the values of enum-like fields.
   */
  private alignedPass(r: JsonValue, l: JsonValue, at: Loc, pattern: readonly string[]): void {
    if (!isContainer(r) || !isContainer(l) || Array.isArray(r) !== Array.isArray(l)) return;
    if (Array.isArray(r) && Array.isArray(l)) {
      const identity = this.identity.get(at.keyPath.join('.')) ?? '$index';
      if (identity === '$index') {
        const n = Math.min(r.length, l.length);
        for (let i = 0; i < n; i++) {
          this.alignedPass(r[i]!, l[i]!, elementOf(at, i, i, identity, String(i)), [
            ...pattern,
            '*',
          ]);
        }
        return;
      }
      const liveIndex = new Map<string, number>();
      l.forEach((el, i) => liveIndex.set(identityOf(el, identity)!, i));
      const common: string[] = [];
      r.forEach((el, ri) => {
        const id = identityOf(el, identity)!;
        const li = liveIndex.get(id);
        if (li === undefined) return;
        common.push(id);
        this.alignedPass(el, l[li]!, elementOf(at, ri, li, identity, id), [...pattern, '*']);
      });
      const shared = new Set(common);
      const liveOrder = l.map((el) => identityOf(el, identity)!).filter((id) => shared.has(id));
      if (common.some((id, i) => liveOrder[i] !== id)) {
        const noise = this.pinnedOrLearned(at);
        this.push(
          at,
          withNoise('array-reordered', 'non-breaking', noise, {
            recorded: short(`${identity}: ${common.join(', ')}`),
            live: short(`${identity}: ${liveOrder.join(', ')}`),
          }),
        );
      }
      return;
    }
    const ro = r as { [k: string]: JsonValue };
    const lo = l as { [k: string]: JsonValue };
    for (const key of Object.keys(ro)) {
      if (!Object.hasOwn(lo, key)) continue;
      const rv = ro[key]!;
      const lv = lo[key]!;
      const next = memberOf(at, key);
      if (isStatusLikeName(key) && isEnumWord(rv) && isEnumWord(lv)) {
        const where = jsonPointer([...pattern, key].map(String));
        // Only fields inside arrays have a vocabulary to compare; see docs/drift-report.md.
        if (pattern.includes('*') && this.pinnedOrLearned(next) === undefined) {
          const slot = this.enums.get(where) ?? {
            rec: new Set<string>(),
            live: new Set<string>(),
            n: 0,
          };
          slot.rec.add(rv);
          slot.live.add(lv);
          slot.n += 1;
          this.enums.set(where, slot);
        }
      }
      this.alignedPass(rv, lv, next, [...pattern, key]);
    }
  }

  /**
   * The enum rule: a status-like field seen at two or more aligned elements has an observed
   * vocabulary on each side. A recorded value missing from the live vocabulary is a removed enum
   * value (breaking); a live value the recording never used is an added one.
   */
  private enumFindings(): void {
    for (const [where, slot] of this.enums) {
      if (slot.n < 2) continue;
      const gone = [...slot.rec].filter((v) => !slot.live.has(v)).sort();
      const added = [...slot.live].filter((v) => !slot.rec.has(v)).sort();
      const vocab = (s: Set<string>) => short([...s].sort().join(', '));
      for (const [kind, values] of [
        ['enum-value-removed', gone],
        ['enum-value-added', added],
      ] as const) {
        if (values.length === 0) continue;
        this.findings.push({
          kind,
          severity: kind === 'enum-value-removed' ? 'breaking' : 'non-breaking',
          place: 'body',
          path: where,
          stablePath: where,
          recorded: vocab(slot.rec),
          live: vocab(slot.live),
        });
      }
    }
  }
}

function prefixes(segs: readonly Seg[]): (readonly Seg[])[] {
  const out: (readonly Seg[])[] = [];
  for (let i = 1; i <= segs.length; i++) out.push(segs.slice(0, i));
  return out;
}

function pointerPrefixes(pointer: string): string[] {
  const out: string[] = [];
  let i = pointer.indexOf('/', 1);
  while (i !== -1) {
    out.push(pointer.slice(0, i));
    i = pointer.indexOf('/', i + 1);
  }
  out.push(pointer);
  return out;
}
