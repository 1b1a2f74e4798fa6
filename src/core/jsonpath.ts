import { TapedeckError } from './errors.js';
import type { JsonValue } from './json.js';

/**
 * A small JSONPath subset, enough to name fields in bodies:
 *   `$.a.b`, `$['odd key']`, `$.items[0]`, `$.items[*].id`, `$.*`, `$..updatedAt`.
 * Used by match ignores (and by redaction and drift later), so it lives in one place.
 */
export type PathStep =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'descend' };

export interface JsonPath {
  readonly source: string;
  readonly steps: readonly PathStep[];
}

export function parseJsonPath(source: string): JsonPath {
  const fail = (why: string): never => {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `Invalid JSON path ${JSON.stringify(source)}: ${why}.`,
      {
        hint: 'Write paths like $.user.email, $.items[*].id or $..updatedAt.',
      },
    );
  };
  if (!source.startsWith('$')) fail('it must start with "$"');
  const steps: PathStep[] = [];
  let i = 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '.') {
      if (source[i + 1] === '.') {
        steps.push({ kind: 'descend' });
        i += 2;
        if (source[i] === '[') continue;
      } else {
        i += 1;
      }
      if (source[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i += 1;
        continue;
      }
      const m = /^[^.[\]]+/.exec(source.slice(i));
      if (!m) fail(`expected a field name at position ${i}`);
      steps.push({ kind: 'key', key: m![0] });
      i += m![0].length;
    } else if (c === '[') {
      const close = source.indexOf(']', i);
      if (close === -1) fail(`"[" at position ${i} is not closed`);
      const inner = source.slice(i + 1, close).trim();
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$/.test(inner) || /^".*"$/.test(inner))
        steps.push({ kind: 'key', key: inner.slice(1, -1) });
      else fail(`"[${inner}]" is not an index, * or a quoted name`);
      i = close + 1;
    } else {
      fail(`unexpected ${JSON.stringify(c)} at position ${i}`);
    }
  }
  if (steps.length === 0) fail('it names the whole document');
  if (steps[steps.length - 1]!.kind === 'descend') fail('it ends with ".."');
  return { source, steps };
}

/** Called with each selected node's container, its key in it, and its path from the root. */
export type Visit = (
  parent: JsonValue[] | { [k: string]: JsonValue },
  key: string | number,
  at: readonly (string | number)[],
) => void;

/**
 * Calls `visit(parent, key, pathSoFar)` for every location `path` selects in `root`.
 * `pathSoFar` is the location's list of keys and indexes from the root.
 */
export function selectJsonPath(root: JsonValue, path: JsonPath, visit: Visit): void {
  walk(root, path.steps, 0, [], visit);
}

function walk(
  node: JsonValue,
  steps: readonly PathStep[],
  s: number,
  at: (string | number)[],
  visit: Visit,
): void {
  const step = steps[s];
  if (step === undefined || node === null || typeof node !== 'object') return;
  const last = s === steps.length - 1;
  const each = (key: string | number, child: JsonValue) => {
    at.push(key);
    if (last) visit(node, key, at);
    else walk(child, steps, s + 1, at, visit);
    at.pop();
  };
  switch (step.kind) {
    case 'key':
      if (!Array.isArray(node) && Object.hasOwn(node, step.key)) each(step.key, node[step.key]!);
      return;
    case 'index':
      if (Array.isArray(node) && step.index < node.length) each(step.index, node[step.index]!);
      return;
    case 'wildcard':
      if (Array.isArray(node)) node.forEach((child, i) => each(i, child));
      else for (const key of Object.keys(node)) each(key, node[key]!);
      return;
    case 'descend': {
      // `..x` selects x at this level and at every depth below it.
      walk(node, steps, s + 1, at, visit);
      const children: [string | number, JsonValue][] = Array.isArray(node)
        ? node.map((child, i) => [i, child])
        : Object.entries(node);
      for (const [key, child] of children) {
        at.push(key);
        walk(child, steps, s, at, visit);
        at.pop();
      }
      return;
    }
  }
}

/** A deep copy of `root` without the locations any of `paths` selects. */
export function removeJsonPaths(root: JsonValue, paths: readonly JsonPath[]): JsonValue {
  if (paths.length === 0 || root === null || typeof root !== 'object') return root;
  const copy = structuredClone(root);
  for (const path of paths) {
    const doomed: [JsonValue[] | { [k: string]: JsonValue }, string | number][] = [];
    selectJsonPath(copy, path, (parent, key) => doomed.push([parent, key]));
    // Remove array elements from the highest index down so earlier indexes stay valid.
    doomed.sort((a, b) => (typeof b[1] === 'number' && typeof a[1] === 'number' ? b[1] - a[1] : 0));
    for (const [parent, key] of doomed) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    }
  }
  return copy;
}

/**
 * Does `path` select the location `at` (keys and indexes from the root)? The same answer as
 * `selectJsonPath`, asked of one location: redaction and the scanner ask it while walking a body
 * once, instead of walking the body once per rule.
 */
export function matchesJsonPath(path: JsonPath, at: readonly (string | number)[]): boolean {
  return matchFrom(path.steps, 0, at, 0);
}

function matchFrom(
  steps: readonly PathStep[],
  s: number,
  at: readonly (string | number)[],
  a: number,
): boolean {
  if (s === steps.length) return a === at.length;
  const step = steps[s]!;
  if (step.kind === 'descend') {
    for (let k = a; k <= at.length; k++) if (matchFrom(steps, s + 1, at, k)) return true;
    return false;
  }
  if (a === at.length) return false;
  const segment = at[a];
  if (step.kind === 'key' && segment !== step.key) return false;
  if (step.kind === 'index' && segment !== step.index) return false;
  return matchFrom(steps, s + 1, at, a + 1);
}
