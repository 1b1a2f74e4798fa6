/**
 * `tapedeck sandbox --explain`: the inferred resource model and the resolved API profile, as
 * text a provider reviews (golden file test/golden/sandbox-explain-stripe.txt) or as JSON whose
 * `resources` member has the shape of config's `sandbox.resources`, so a correction is a paste.
 */
import type { NamedCassette } from '../cassette/model.js';
import type { JsonValue } from '../json.js';
import { KEY_CHECKSUM_LENGTH, KEY_RANDOM_LENGTH } from '../sandbox/keys.js';
import type {
  ActionDecl,
  ApiProfile,
  RateLimitClass,
  ResourceOverride,
  SetValue,
} from '../sandbox/profile/types.js';
import type { LoadedScenario } from '../sandbox/scenarios/types.js';
import { describeShape } from '../sandbox/state/ids.js';
import { recordedPerType } from '../sandbox/state/infer-recordings.js';
import type {
  ModelRoute,
  OperationRole,
  ResourceModel,
  ResourceType,
} from '../sandbox/state/model.js';

/** Where the model and profile came from, as the first line and the profile block tell it. */
export interface ExplainSources {
  /** The spec file as given (`stripe.json`), and its number of paths. */
  readonly spec?: { readonly file: string; readonly paths: number };
  /** The cassettes loaded (counted per resource type for the `from` column). */
  readonly cassettes: readonly NamedCassette[];
  /** `preset` or the profile file as given. */
  readonly profile: { readonly from: 'preset' } | { readonly from: 'file'; readonly file: string };
  /** How keys look; by default from core/sandbox/keys.ts (`sk_test_ + 22 + 6 checksum (131 bits)`). */
  readonly keyFormat?: string;
  /** Names of the built-in live-key detectors the tenant layer also applies. */
  readonly liveDetectors?: readonly string[];
  /** The spec's server paths, stripped from recorded paths when counting them per type. */
  readonly basePaths?: readonly string[];
  /** The scenario catalogue (issue 14), counted by trigger kind. */
  readonly scenarios?: readonly LoadedScenario[];
  /** The rate-limit classes in force (none: `sandbox.rateLimits` is off), and whether the profile has its own. */
  readonly rateLimits?: {
    readonly classes: readonly RateLimitClass[];
    readonly profileHas: number;
  };
}

const ROLE_ORDER: readonly OperationRole[] = [
  'create',
  'list',
  'retrieve',
  'update',
  'replace',
  'delete',
  'action',
];

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** `{"error":{"type","code","message"}}`: a template's members without its placeholders. */
function skeleton(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(skeleton).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  return `{${Object.entries(value)
    .map(([k, v]) =>
      v !== null && typeof v === 'object'
        ? `${JSON.stringify(k)}:${skeleton(v)}`
        : JSON.stringify(k),
    )
    .join(',')}}`;
}

function credentialsLine(profile: ApiProfile, sources: ExplainSources): string {
  const where = profile.credentials.locations
    .map((l) =>
      l.in === 'bearer'
        ? 'Authorization: Bearer KEY'
        : l.in === 'basic-username'
          ? 'Basic KEY:'
          : `${headerName(l.name)}: KEY`,
    )
    .join(' | ');
  const bits = Math.round(KEY_RANDOM_LENGTH * Math.log2(62));
  const keys =
    sources.keyFormat ??
    `${profile.credentials.keyPrefix} + ${KEY_RANDOM_LENGTH} + ${KEY_CHECKSUM_LENGTH} checksum (${bits} bits)`;
  const query =
    profile.credentials.refuseQueryNames.length > 0
      ? `; keys in the query refused (${profile.credentials.refuseQueryNames.join(', ')})`
      : '';
  return `${where}; keys ${keys}${query}`;
}

function liveLine(profile: ApiProfile, sources: ExplainSources): string {
  const own = profile.credentials.livePatterns.map((p) => `${p} (profile)`);
  const builtin =
    sources.liveDetectors === undefined
      ? ['the built-in live-key detectors']
      : sources.liveDetectors;
  return `refused: ${[...own, ...builtin].join(', ')}`;
}

function errorsLine(profile: ApiProfile): string {
  const { template, mediaType } = profile.errors;
  if (template !== undefined) return `${skeleton(template)} as ${mediaType} (profile template)`;
  return "the spec's documented error for the status, else RFC 9457 problem+json";
}

function idempotencyLine(profile: ApiProfile): string {
  const i = profile.idempotency;
  if (i === null) return 'none (the API has no idempotency keys)';
  const k = profile.errors.kinds;
  const mismatch = k['idempotency-mismatch'];
  const inFlight = k['idempotency-in-flight'];
  return `${headerName(i.header)} on ${i.methods.join('/')}, ≤ ${i.maxKeyLength} chars, ${i.retentionHours} h on the tenant clock; ${mismatch.status} ${mismatch.code ?? mismatch.type ?? 'mismatch'} / ${inFlight.status} ${inFlight.code ?? inFlight.type ?? 'in flight'}; replays marked ${headerName(i.replayedHeader)}`;
}

function paginationLine(profile: ApiProfile): string {
  const p = profile.pagination;
  const limit = `${p.limitParam} (${p.defaultLimit}, max ${p.maxLimit})`;
  const cursors =
    p.style === 'page'
      ? (p.pageParam ?? 'page')
      : [p.afterParam, p.beforeParam].filter((c) => c !== undefined).join(' / ');
  const envelope = p.envelope === null ? 'bare array' : `envelope ${skeleton(p.envelope)}`;
  const link = p.linkHeader ? ' + Link' : '';
  const style = p.style === 'learn' ? 'learned from the spec' : p.style;
  return `${style}: ${limit}${cursors === '' ? '' : `, ${cursors}`}, ${envelope}${link}, ${p.order.replace('-', ' ')}`;
}

function setSummary(
  set: Readonly<Record<string, SetValue>> | undefined,
  field: string | undefined,
): string {
  if (set === undefined) return '';
  const state = field === undefined ? undefined : set[field];
  if (typeof state === 'string') return state;
  return `sets ${Object.keys(set).join(', ')}`;
}

function actionNote(type: ResourceType, route: ModelRoute): string {
  const declared: ActionDecl | undefined =
    route.action === undefined ? undefined : type.lifecycle?.actions[route.action];
  if (declared === undefined) return 'inferred: merges item fields, no transition';
  const to = setSummary(declared.set, type.lifecycle?.field);
  const from = declared.from === undefined ? '' : `${declared.from.join('|')} → `;
  const needs =
    declared.requires === undefined ? '' : ` (needs ${Object.keys(declared.requires).join(', ')})`;
  return `${from}${to || 'no change'}${needs} (declared)`;
}

function createNote(type: ResourceType): string {
  const parts: string[] = [];
  const lifecycle = type.lifecycle;
  if (lifecycle?.field !== undefined && lifecycle.initial.length > 0) {
    const states = lifecycle.initial.map((i) =>
      i.when === undefined
        ? i.state
        : `${i.state} when ${Object.entries(i.when)
            .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' and ')}`,
    );
    parts.push(`${lifecycle.field}: ${states.join(', else ')}`);
  }
  if (lifecycle?.create?.requireOneOf !== undefined)
    parts.push(`needs one of ${lifecycle.create.requireOneOf.join('|')}`);
  return parts.join('; ');
}

function routeNote(type: ResourceType, route: ModelRoute): string {
  switch (route.role) {
    case 'create':
      return createNote(type);
    case 'list':
      return [
        route.view === undefined ? '' : `where ${route.view.field} = {${route.view.param}}`,
        route.filters.length === 0 ? '' : `filters: ${route.filters.join(', ')}`,
      ]
        .filter((s) => s !== '')
        .join('; ');
    case 'retrieve':
      return '';
    case 'update':
      return `merge, ${route.body === 'form' ? 'form' : route.body === 'json' ? 'JSON' : 'no'} body`;
    case 'replace':
      return 'replace';
    case 'delete':
      return type.deleteStyle === 'tombstone'
        ? `→ {${(type.tombstone ?? []).join(', ')}}`
        : '→ removed (later reads 404)';
    case 'action':
      return actionNote(type, route);
  }
}

function sourceText(type: ResourceType, recorded: number): string {
  const from = type.source.filter((s) => s !== 'recordings').join(', ');
  return recorded > 0 ? `${from}, ${plural(recorded, 'recording')}` : from;
}

function scenariosLine(scenarios: readonly LoadedScenario[]): string {
  if (scenarios.length === 0) return 'none declared (docs/scenarios.md)';
  const having = (test: (t: LoadedScenario['triggers'][number]) => boolean) =>
    scenarios.filter((s) => s.triggers.some(test)).length;
  const kinds = [
    `${having((t) => 'value' in t)} by magic value`,
    `${having((t) => 'armed' in t)} armable`,
    `${having((t) => 'every' in t || 'chance' in t)} counted`,
  ];
  return `${plural(scenarios.length, 'scenario')} (${kinds.join(', ')}; any by header); \`tapedeck scenarios\` lists them`;
}

function rateLimitsLine(
  profile: ApiProfile,
  limits: NonNullable<ExplainSources['rateLimits']>,
): string {
  if (limits.classes.length === 0)
    return limits.profileHas > 0
      ? `off (sandbox.rateLimits: "profile" applies the ${profile.name} profile's ${plural(limits.profileHas, 'class', 'classes')})`
      : 'off';
  const classes = limits.classes.map((c) => `${c.name} ${c.limit}/${c.windowSeconds}s`);
  return `${classes.join(', ')}; headers ${profile.rateLimitHeaders}`;
}

export function renderExplain(
  model: ResourceModel,
  profile: ApiProfile,
  sources: ExplainSources,
): string {
  const lines: string[] = [];
  const interactions = sources.cassettes.reduce((n, c) => n + c.cassette.interactions.length, 0);
  const from = [
    sources.spec === undefined
      ? undefined
      : `spec ${sources.spec.file} (${plural(sources.spec.paths, 'path')})`,
    sources.cassettes.length === 0
      ? undefined
      : `${plural(sources.cassettes.length, 'cassette')} (${plural(interactions, 'interaction')})`,
  ].filter((s) => s !== undefined);
  const profileFrom = sources.profile.from === 'preset' ? 'preset' : sources.profile.file;
  lines.push(
    `tapedeck sandbox — model from ${from.length === 0 ? 'nothing' : from.join(' + ')}; profile ${profile.name} (${profileFrom})`,
  );
  lines.push('Profile');
  lines.push(`  credentials  ${credentialsLine(profile, sources)}`);
  lines.push(`  live keys    ${liveLine(profile, sources)}`);
  lines.push(`  errors       ${errorsLine(profile)}`);
  lines.push(`  idempotency  ${idempotencyLine(profile)}`);
  lines.push(`  pagination   ${paginationLine(profile)}`);
  if (sources.scenarios !== undefined)
    lines.push(`  scenarios    ${scenariosLine(sources.scenarios)}`);
  if (sources.rateLimits !== undefined)
    lines.push(`  rate limits  ${rateLimitsLine(profile, sources.rateLimits)}`);
  lines.push(
    `  parents      ${profile.resources.requireParents ? 'must exist' : 'are scopes, not checked'}; updates ${profile.resources.updates.emptyStringUnsets ? 'unset a field sent empty' : 'set what is sent'}`,
  );

  const recorded = recordedPerType(model, sources.cassettes, sources.basePaths);
  const types = [...model.types.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const idText = (t: ResourceType) => `${describeShape(t.idShape)} (${t.idSource})`;
  const nameWidth = Math.max(19, ...types.map((t) => t.name.length)) + 2;
  const idWidth = Math.max(2, ...types.map((t) => idText(t).length)) + 2;
  const pathWidth = Math.min(60, Math.max(0, ...model.routes.map((r) => r.path.length))) + 2;
  lines.push(
    `${pad(`Resources (${types.length})`, nameWidth + 2)}${pad('id', idWidth)}${pad('delete', 11)}from`,
  );
  for (const type of types) {
    lines.push(
      `  ${pad(type.name, nameWidth)}${pad(idText(type), idWidth)}${pad(type.deleteStyle, 11)}${sourceText(type, recorded.get(type.name) ?? 0)}`,
    );
    if (type.idField !== 'id') lines.push(`    id field ${type.idField}`);
    const routes = model.routes
      .filter((r) => r.type === type.name)
      .sort(
        (a, b) =>
          ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) ||
          (a.path < b.path ? -1 : a.path > b.path ? 1 : a.method < b.method ? -1 : 1),
      );
    for (const r of routes) {
      const role = r.view === undefined ? r.role : 'view';
      const note = routeNote(type, r);
      lines.push(
        `    ${pad(role, 9)}${pad(r.method, 7)}${note === '' ? r.path : `${pad(r.path, pathWidth)}${note}`}`.trimEnd(),
      );
    }
    if (type.references.length > 0)
      lines.push(
        `    references ${type.references.map((ref) => `${ref.field} → ${ref.type}`).join(', ')}`,
      );
    if (type.fixtures !== undefined && type.fixtures.length > 0)
      lines.push(
        `    fixtures   ${type.fixtures
          .map((f) =>
            f !== null && typeof f === 'object' && !Array.isArray(f)
              ? String(f[type.idField] as string)
              : '?',
          )
          .join(', ')} (read-only, every tenant)`,
      );
  }
  lines.push(`Not modelled (answered by cassette, then spec): ${model.notModelled.length}`);
  const skippedWidth =
    Math.min(70, Math.max(0, ...model.notModelled.map((n) => n.path.length))) + 2;
  for (const n of model.notModelled)
    lines.push(`  ${pad(n.method, 7)}${pad(n.path, skippedWidth)}${n.reason}`);
  return `${lines.join('\n')}\n`;
}

/** One type as config's `sandbox.resources.<type>` would state it. */
function asOverride(type: ResourceType): ResourceOverride {
  const lifecycle = type.lifecycle;
  return {
    idField: type.idField,
    id: type.idShape,
    serverOwned: type.serverOwned,
    deleteStyle: type.deleteStyle,
    ...(lifecycle?.field === undefined
      ? {}
      : { lifecycle: { field: lifecycle.field, initial: lifecycle.initial } }),
    ...(lifecycle === undefined || Object.keys(lifecycle.actions).length === 0
      ? {}
      : { actions: lifecycle.actions }),
    ...(lifecycle?.create === undefined ? {} : { create: lifecycle.create }),
    ...(type.fixtures === undefined ? {} : { fixtures: type.fixtures }),
  };
}

/**
 * The model + resolved profile: `resources` in the shape of `sandbox.resources` (paste and
 * correct), `model` with everything inferred (routes, not modelled with reasons), `profile`.
 */
export function explainJson(
  model: ResourceModel,
  profile: ApiProfile,
  sources?: Pick<ExplainSources, 'scenarios' | 'rateLimits'>,
): JsonValue {
  const names = [...model.types.keys()].sort();
  const resources: Record<string, JsonValue> = {};
  const types: Record<string, JsonValue> = {};
  for (const name of names) {
    const type = model.types.get(name)!;
    resources[name] = asOverride(type) as unknown as JsonValue;
    types[name] = type as unknown as JsonValue;
  }
  return {
    from: model.from,
    resources,
    model: {
      types,
      routes: model.routes as unknown as JsonValue,
      notModelled: model.notModelled as unknown as JsonValue,
    },
    profile: profile as unknown as JsonValue,
    // The whole catalogue (config, files and preset), not only the profile's own scenarios.
    ...(sources?.scenarios === undefined
      ? {}
      : {
          scenarios: sources.scenarios.map((s) => ({
            name: s.name,
            source: s.source,
            operations: [...s.operations],
            triggers: s.triggers.map((t) => Object.keys(t)[0] ?? ''),
          })),
        }),
    ...(sources?.rateLimits === undefined
      ? {}
      : { rateLimits: sources.rateLimits.classes as unknown as JsonValue }),
  };
}
