import { decodePercent } from '../../http/percent.js';
import type { SpecModel, SpecOperation } from './operations.js';

/**
 * Routing from the spec's paths, compiled once into a segment tree: a request walks one node
 * per path segment, literal segments before templated ones, so `/pets/mine` beats
 * `/pets/{petId}` and the cost does not grow with the number of paths.
 */

interface TemplateSegment {
  /** Whole-segment parameter name, or a regex for mixed segments like `{id}.json`. */
  readonly name?: string;
  readonly regex?: RegExp;
  readonly names: readonly string[];
  readonly node: RouteNode;
}

interface RouteNode {
  readonly literals: Map<string, RouteNode>;
  readonly templates: TemplateSegment[];
  /** Operations by upper-case method, when a path template ends here. */
  path?: { readonly template: string; readonly methods: Map<string, SpecOperation> };
}

export type RouteResult =
  | {
      readonly kind: 'operation';
      readonly operation: SpecOperation;
      /** Path parameters, percent-decoded. */
      readonly params: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'method-not-allowed'; readonly template: string; readonly allow: string[] }
  | { readonly kind: 'not-found'; readonly nearest: string[] };

function newNode(): RouteNode {
  return { literals: new Map(), templates: [] };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function splitPath(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').slice(1);
}

export class SpecRouter {
  private readonly root = newNode();
  private readonly templates: string[] = [];

  constructor(private readonly model: SpecModel) {
    for (const operation of model.operations) this.add(operation);
  }

  private add(operation: SpecOperation): void {
    let node = this.root;
    for (const segment of splitPath(operation.path)) {
      if (!segment.includes('{')) {
        let next = node.literals.get(segment);
        if (!next) node.literals.set(segment, (next = newNode()));
        node = next;
        continue;
      }
      const whole = /^\{([^{}]+)\}$/.exec(segment);
      const names: string[] = [];
      const source = segment.replace(/\{([^{}]+)\}|[^{]+/g, (part, name?: string) => {
        if (name === undefined) return escapeRegex(part);
        names.push(name);
        return '([^/]+?)';
      });
      let template = node.templates.find(
        (t) =>
          t.names.join('/') === names.join('/') &&
          (whole ? t.name !== undefined : t.regex?.source === `^${source}$`),
      );
      if (!template) {
        template = whole
          ? { name: whole[1]!, names, node: newNode() }
          : { regex: new RegExp(`^${source}$`), names, node: newNode() };
        node.templates.push(template);
        // Mixed segments (`{id}.json`) are more specific than a bare `{id}`: try them first.
        node.templates.sort((a, b) => (a.regex ? 0 : 1) - (b.regex ? 0 : 1));
      }
      node = template.node;
    }
    if (!node.path) {
      node.path = { template: operation.path, methods: new Map() };
      this.templates.push(operation.path);
    }
    node.path.methods.set(operation.method, operation);
  }

  get operations(): readonly SpecOperation[] {
    return this.model.operations;
  }

  /**
   * Finds the operation for a method and a raw (still percent-encoded) path. The server base
   * path is stripped when present; a path without it is accepted too, so a client configured
   * with either base URL works.
   */
  route(method: string, rawPath: string): RouteResult {
    const upper = method.toUpperCase();
    const candidates: string[] = [];
    for (const base of this.model.basePaths) {
      if (rawPath === base || rawPath.startsWith(`${base}/`))
        candidates.push(rawPath.slice(base.length) || '/');
    }
    candidates.push(rawPath);
    let allowed: { template: string; allow: string[] } | undefined;
    for (const path of candidates) {
      const segments = splitPath(path).map(decodePercent);
      const matches: { node: RouteNode; params: Record<string, string> }[] = [];
      this.walk(this.root, segments, 0, {}, matches);
      for (const { node, params } of matches) {
        const methods = node.path!.methods;
        const operation = methods.get(upper) ?? (upper === 'HEAD' ? methods.get('GET') : undefined);
        if (operation) return { kind: 'operation', operation, params };
      }
      if (matches.length > 0 && allowed === undefined) {
        const first = matches[0]!.node.path!;
        const allow = [...first.methods.keys()];
        if (allow.includes('GET') && !allow.includes('HEAD')) allow.push('HEAD');
        allowed = { template: first.template, allow };
      }
    }
    if (allowed) return { kind: 'method-not-allowed', ...allowed };
    const stripped = candidates[0] ?? rawPath;
    return { kind: 'not-found', nearest: this.nearest(stripped, 3) };
  }

  /** Depth-first, literals before templates: matches come out most specific first. */
  private walk(
    node: RouteNode,
    segments: readonly string[],
    index: number,
    params: Record<string, string>,
    out: { node: RouteNode; params: Record<string, string> }[],
  ): void {
    if (index === segments.length) {
      if (node.path) out.push({ node, params: { ...params } });
      return;
    }
    const segment = segments[index]!;
    const literal = node.literals.get(segment);
    if (literal) this.walk(literal, segments, index + 1, params, out);
    if (segment === '') return;
    for (const template of node.templates) {
      if (template.name !== undefined) {
        params[template.name] = segment;
        this.walk(template.node, segments, index + 1, params, out);
        delete params[template.name];
        continue;
      }
      const m = template.regex!.exec(segment);
      if (!m) continue;
      template.names.forEach((name, i) => (params[name] = m[i + 1]!));
      this.walk(template.node, segments, index + 1, params, out);
      for (const name of template.names) delete params[name];
    }
  }

  /** The documented paths closest to a path (segment-wise edit distance), for 404 answers. */
  nearest(path: string, limit: number): string[] {
    const segments = splitPath(path).map(decodePercent);
    return this.templates
      .map((template) => ({ template, distance: distance(segments, splitPath(template)) }))
      .sort((a, b) => a.distance - b.distance || a.template.localeCompare(b.template))
      .slice(0, limit)
      .map((c) => c.template);
  }
}

function segmentCost(actual: string, template: string): number {
  if (actual === template) return 0;
  if (template.includes('{')) return 0.25;
  return 1;
}

/** Levenshtein over segments, where a templated segment nearly matches anything. */
function distance(actual: readonly string[], template: readonly string[]): number {
  const row = Array.from({ length: template.length + 1 }, (_, j) => j);
  for (let i = 1; i <= actual.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= template.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        previous + segmentCost(actual[i - 1]!, template[j - 1]!),
      );
      previous = saved;
    }
  }
  return row[template.length]!;
}
