/**
 * The catalogue compiled for requests (docs/design/issue-14-plan.md, "Which scenario fires").
 * Value triggers are indexed by the field they read, so a request costs one lookup per field
 * the catalogue reads, whatever the number of magic values: one `Map` per field for
 * `equals`/`oneOf`, a `Map` per prefix length for `prefix` (the lengths sorted), and short
 * per-field lists for `regex` and `range`. The index is built per set of operation keys on
 * first use, so a request only sees the triggers of scenarios that apply to its operation.
 * Values are compared as text: a form body carries `666` as "666", JSON as 666.
 */
import { isJsonObject, type JsonValue } from '../../json.js';
import type {
  Firing,
  LoadedScenario,
  ScenarioCatalogue,
  TriggerInput,
  ValueSource,
  ValueTest,
  ValueTrigger,
} from './types.js';

export type CountedTrigger =
  | { readonly every: number }
  | { readonly chance: { readonly probability: number; readonly seed?: number } };

export interface CompiledCatalogue {
  readonly scenarios: readonly LoadedScenario[];
  byName(name: string): LoadedScenario | undefined;
  /** Whether a scenario applies to one of the operation keys (incl. '*'). */
  appliesTo(scenario: LoadedScenario, operations: readonly string[]): boolean;
  /** True when any scenario has any trigger for these operations (the layer's fast exit). */
  any(operations: readonly string[]): boolean;
  /**
   * The first value trigger (body/query/header sources) that holds, catalogue order, else
   * undefined. A repeated query parameter or header, or an array in the body: any value counts.
   */
  matchValues(input: TriggerInput): Firing | undefined;
  /** Scenarios with `every`/`chance` triggers for these operations, catalogue order. */
  counted(
    operations: readonly string[],
  ): readonly { scenario: LoadedScenario; trigger: CountedTrigger }[];
  /** `resource` value triggers of scenarios with a `state` outcome for these operations. */
  resourceTriggers(
    operations: readonly string[],
  ): readonly { scenario: LoadedScenario; trigger: ValueTrigger }[];
  /** Whether a resource trigger holds for the object (its `and` conditions read `input` for non-resource sources). */
  holdsOn(trigger: ValueTrigger, object: JsonValue, input: TriggerInput): Firing['by'] | undefined;
}

/** A path as its segments: `a[b][0]`, `a.b.0`, `$.a.b[0]` and `$['a'].b` all name a → b → 0. */
export function pathSegments(path: string): readonly string[] {
  const segments: string[] = [];
  let i = path.startsWith('$') ? 1 : 0;
  let name = '';
  const flush = () => {
    if (name !== '') segments.push(name);
    name = '';
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      flush();
      i++;
    } else if (c === '[') {
      flush();
      const end = path.indexOf(']', i + 1);
      const stop = end === -1 ? path.length : end;
      let inner = path.slice(i + 1, stop);
      if (/^(['"]).*\1$/.test(inner)) inner = inner.slice(1, -1);
      // `expand[]` (a form list) names the list itself.
      if (inner !== '') segments.push(inner);
      i = stop + 1;
    } else {
      name += c;
      i++;
    }
  }
  flush();
  return segments;
}

/** The texts a value offers to tests: a scalar, or each scalar of an array. */
function texts(value: JsonValue | undefined, out: string[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) if (!isJsonObject(item) && !Array.isArray(item)) texts(item, out);
    return;
  }
  if (typeof value === 'object') return;
  out.push(String(value));
}

function at(value: JsonValue | undefined, segments: readonly string[]): JsonValue | undefined {
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isJsonObject(current)) {
      current = Object.hasOwn(current, segment) ? current[segment] : undefined;
    } else return undefined;
  }
  return current;
}

/** Where a field is read, normalized so that `a.b`, `a[b]` and `$.a.b` are one field. */
interface Field {
  readonly in: ValueSource;
  readonly path: string;
  readonly segments: readonly string[];
  readonly key: string;
}

function fieldOf(source: ValueSource, path: string): Field {
  if (source === 'header') {
    const name = path.toLowerCase();
    return { in: source, path, segments: [name], key: `header\u0000${name}` };
  }
  // A query parameter is named as sent (`expand[]`, `metadata[order]`), not as a structure.
  if (source === 'query') return { in: source, path, segments: [path], key: `query\u0000${path}` };
  const segments = pathSegments(path);
  return { in: source, path, segments, key: `${source}\u0000${segments.join('\u0000')}` };
}

function multi(value: string | readonly string[] | undefined, out: string[]): void {
  if (value === undefined) return;
  if (typeof value === 'string') out.push(value);
  else out.push(...value);
}

/** The texts at a field of the request (or of the object, for `resource`). */
function read(field: Field, input: TriggerInput, object?: JsonValue): string[] {
  const out: string[] = [];
  switch (field.in) {
    case 'header':
      multi(
        Object.hasOwn(input.headers, field.segments[0]!)
          ? input.headers[field.segments[0]!]
          : undefined,
        out,
      );
      break;
    case 'query':
      multi(Object.hasOwn(input.query, field.path) ? input.query[field.path] : undefined, out);
      break;
    case 'body':
      texts(at(input.body, field.segments), out);
      break;
    case 'resource':
      texts(object === undefined ? undefined : at(object, field.segments), out);
      break;
  }
  return out;
}

type TestName = 'equals' | 'oneOf' | 'prefix' | 'regex' | 'range';

function testName(test: ValueTest): TestName {
  if ('equals' in test) return 'equals';
  if ('oneOf' in test) return 'oneOf';
  if ('prefix' in test) return 'prefix';
  if ('regex' in test) return 'regex';
  return 'range';
}

function asNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** A test as a predicate over one text (for `and` conditions and resource triggers). */
function predicate(test: ValueTest): (text: string) => boolean {
  if ('equals' in test) {
    const want = String(test.equals);
    return (text) => text === want;
  }
  if ('oneOf' in test) {
    const set = new Set(test.oneOf.map(String));
    return (text) => set.has(text);
  }
  if ('prefix' in test) {
    const prefix = test.prefix;
    return (text) => text.startsWith(prefix);
  }
  if ('regex' in test) {
    const re = new RegExp(test.regex);
    return (text) => re.test(text);
  }
  const { min, max } = test.range;
  return (text) => {
    const n = asNumber(text);
    return n !== undefined && (min === undefined || n >= min) && (max === undefined || n <= max);
  };
}

/** A compiled condition: the field and the test. */
interface Condition {
  readonly field: Field;
  readonly holds: (text: string) => boolean;
}

/** One value trigger, where it stands in the catalogue (for "the first that holds"). */
interface Entry {
  readonly order: number;
  readonly scenario: LoadedScenario;
  readonly trigger: ValueTrigger;
  readonly by: Firing['by'];
  readonly and: readonly Condition[];
}

/** The tests of one field. */
interface FieldIndex {
  readonly field: Field;
  readonly exact: Map<string, Entry[]>;
  /** Prefix length → prefix → entries; `lengths` ascending. */
  readonly prefixes: Map<number, Map<string, Entry[]>>;
  lengths: number[];
  readonly regexes: { re: RegExp; entry: Entry }[];
  readonly ranges: { min: number; max: number; entry: Entry }[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function conditionsHold(
  conditions: readonly Condition[],
  input: TriggerInput,
  object?: JsonValue,
): boolean {
  return conditions.every((c) => read(c.field, input, object).some(c.holds));
}

/** Index sets are built per operation set; past this many (a bug, or a spec of thousands), start over. */
const MAX_CACHED_OPERATION_SETS = 4096;

export function compileCatalogue(catalogue: ScenarioCatalogue): CompiledCatalogue {
  const scenarios = catalogue.scenarios;
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const operationSets = new Map(scenarios.map((s) => [s, new Set(s.operations)]));
  const appliesTo = (scenario: LoadedScenario, operations: readonly string[]): boolean => {
    const set = operationSets.get(scenario) ?? new Set(scenario.operations);
    return set.has('*') || operations.some((op) => set.has(op));
  };

  // Every value trigger of the catalogue, compiled once, in catalogue order.
  const entries: Entry[] = [];
  const conditionOf = (c: { in: ValueSource; path: string } & ValueTest): Condition => ({
    field: fieldOf(c.in, c.path),
    holds: predicate(c),
  });
  for (const scenario of scenarios)
    for (const trigger of scenario.triggers) {
      if (!('value' in trigger)) continue;
      const value = trigger.value;
      entries.push({
        order: entries.length,
        scenario,
        trigger: value,
        by: { kind: 'value', in: value.in, path: value.path, test: testName(value) },
        and: (value.and ?? []).map(conditionOf),
      });
    }
  const resourceEntries = new Map<ValueTrigger, Entry>();
  for (const entry of entries)
    if (entry.trigger.in === 'resource') resourceEntries.set(entry.trigger, entry);

  const buildIndex = (operations: readonly string[]): FieldIndex[] => {
    const fields = new Map<string, FieldIndex>();
    for (const entry of entries) {
      const trigger = entry.trigger;
      if (trigger.in === 'resource' || !appliesTo(entry.scenario, operations)) continue;
      const field = fieldOf(trigger.in, trigger.path);
      let index = fields.get(field.key);
      if (index === undefined) {
        index = {
          field,
          exact: new Map(),
          prefixes: new Map(),
          lengths: [],
          regexes: [],
          ranges: [],
        };
        fields.set(field.key, index);
      }
      if ('equals' in trigger) push(index.exact, String(trigger.equals), entry);
      else if ('oneOf' in trigger)
        for (const value of new Set(trigger.oneOf.map(String))) push(index.exact, value, entry);
      else if ('prefix' in trigger) {
        let byPrefix = index.prefixes.get(trigger.prefix.length);
        if (byPrefix === undefined)
          index.prefixes.set(trigger.prefix.length, (byPrefix = new Map<string, Entry[]>()));
        push(byPrefix, trigger.prefix, entry);
      } else if ('regex' in trigger) index.regexes.push({ re: new RegExp(trigger.regex), entry });
      else
        index.ranges.push({
          min: trigger.range.min ?? -Infinity,
          max: trigger.range.max ?? Infinity,
          entry,
        });
    }
    for (const index of fields.values())
      index.lengths = [...index.prefixes.keys()].sort((a, b) => a - b);
    return [...fields.values()];
  };

  const indexes = new Map<string, FieldIndex[]>();
  const indexFor = (operations: readonly string[]): FieldIndex[] => {
    const key = operations.join('\n');
    let index = indexes.get(key);
    if (index === undefined) {
      if (indexes.size >= MAX_CACHED_OPERATION_SETS) indexes.clear();
      indexes.set(key, (index = buildIndex(operations)));
    }
    return index;
  };

  const matchValues = (input: TriggerInput): Firing | undefined => {
    let best: Entry | undefined;
    const consider = (candidates: readonly Entry[] | undefined): void => {
      if (candidates === undefined) return;
      for (const entry of candidates) {
        // Entries of one list are in catalogue order: the first that holds is that list's best.
        if (best !== undefined && entry.order >= best.order) return;
        if (conditionsHold(entry.and, input)) {
          best = entry;
          return;
        }
      }
    };
    for (const index of indexFor(input.operations)) {
      const values = read(index.field, input);
      if (values.length === 0) continue;
      for (const value of values) {
        consider(index.exact.get(value));
        for (const length of index.lengths) {
          if (length > value.length) break;
          consider(index.prefixes.get(length)!.get(value.slice(0, length)));
        }
        for (const { re, entry } of index.regexes) if (re.test(value)) consider([entry]);
        if (index.ranges.length > 0) {
          const n = asNumber(value);
          if (n !== undefined)
            for (const { min, max, entry } of index.ranges)
              if (n >= min && n <= max) consider([entry]);
        }
      }
    }
    return best === undefined ? undefined : { scenario: best.scenario, by: best.by };
  };

  // What depends only on a request's operation keys is worked out once per set of keys (one per
  // route: bounded by the spec), not by a scan of the catalogue on every request.
  const anyMemo = new Map<string, boolean>();
  const countedMemo = new Map<
    string,
    readonly { scenario: LoadedScenario; trigger: CountedTrigger }[]
  >();
  const perOperations = <T>(
    memo: Map<string, T>,
    operations: readonly string[],
    work: () => T,
  ): T => {
    const key = operations.join('\u0000');
    let found = memo.get(key);
    if (found === undefined) {
      found = work();
      // Keys come from routed requests; a path the spec lacks has none, so the map stays small.
      if (memo.size < 10_000) memo.set(key, found);
    }
    return found;
  };

  /** Resource triggers as compiled conditions, made once per trigger (a regex compiles once). */
  const resourceConditions = new WeakMap<
    ValueTrigger,
    { readonly main: Condition; readonly and: readonly Condition[]; readonly by: Firing['by'] }
  >();
  const holdsOn = (
    trigger: ValueTrigger,
    object: JsonValue,
    input: TriggerInput,
  ): Firing['by'] | undefined => {
    let compiled = resourceConditions.get(trigger);
    if (compiled === undefined) {
      const entry = resourceEntries.get(trigger);
      compiled = {
        main: conditionOf(trigger),
        and: entry?.and ?? (trigger.and ?? []).map(conditionOf),
        by: entry?.by ?? {
          kind: 'value',
          in: trigger.in,
          path: trigger.path,
          test: testName(trigger),
        },
      };
      resourceConditions.set(trigger, compiled);
    }
    if (!read(compiled.main.field, input, object).some(compiled.main.holds)) return undefined;
    return conditionsHold(compiled.and, input, object) ? compiled.by : undefined;
  };

  return {
    scenarios,
    byName: (name) => byName.get(name),
    appliesTo,
    any: (operations) =>
      perOperations(anyMemo, operations, () =>
        scenarios.some((s) => s.triggers.length > 0 && appliesTo(s, operations)),
      ),
    matchValues,
    counted: (operations) =>
      perOperations(countedMemo, operations, () => {
        const out: { scenario: LoadedScenario; trigger: CountedTrigger }[] = [];
        for (const scenario of scenarios) {
          if (!appliesTo(scenario, operations)) continue;
          for (const trigger of scenario.triggers)
            if ('every' in trigger || 'chance' in trigger) out.push({ scenario, trigger });
        }
        return out;
      }),
    resourceTriggers: (operations) => {
      const out: { scenario: LoadedScenario; trigger: ValueTrigger }[] = [];
      for (const entry of resourceEntries.values())
        if ('state' in entry.scenario.outcome && appliesTo(entry.scenario, operations))
          out.push({ scenario: entry.scenario, trigger: entry.trigger });
      return out;
    },
    holdsOn,
  };
}

/** FNV-1a over UTF-16 code units from `basis`, finished by murmur3's avalanche (FNV alone mixes the last characters poorly). */
function hash32(text: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Deterministic chance: hash(seed, tenant, scenario, n) mapped to [0,1) < probability. Pure. */
export function chanceFires(
  probability: number,
  seed: number,
  tenant: string,
  scenario: string,
  n: number,
): boolean {
  if (probability <= 0) return false;
  if (probability >= 1) return true;
  const text = `${seed}\u0000${tenant}\u0000${scenario}\u0000${n}`;
  // 52 bits from two differently based hashes: enough resolution for any probability written.
  const high = hash32(text, 0x811c9dc5) >>> 0;
  const low = hash32(text, 0x050c5d1f) >>> 12;
  return (high * 2 ** 20 + low) / 2 ** 52 < probability;
}
