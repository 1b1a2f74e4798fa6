// Over 450 lines: the sandbox's one composition root (model, catalogue checks, server, tenant
// admin); what only one command needs is loaded lazily from its own module.
/**
 * The composition root of `tapedeck sandbox` and of the `tenants` / `clock` commands: the
 * profile, spec, cassettes and seed files loaded and checked before anything listens (a bad
 * one stops the start, naming the file and the JSON pointer), the state directory opened, and
 * the adapters handed to app/sandbox/server.ts as ports.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NodeBodyCodec } from '../../adapters/http/body-codec.js';
import { openSqliteState } from '../../adapters/state/sqlite/index.js';
import { systemScheduler } from '../../adapters/system/scheduler.js';
import { systemClock } from '../../adapters/system/system.js';
import { shownPath } from '../../adapters/system/paths.js';
import type { NamedCassette } from '../../core/cassette/model.js';
import { TapedeckError } from '../../core/errors.js';
import { isJsonObject, type JsonValue } from '../../core/json.js';
import { parseJsonc } from '../../core/jsonc.js';
import type { CompiledSpec } from '../../core/mock/openapi/compiled.js';
import type { Clock, Logger, RuntimeState } from '../../core/ports/index.js';
import type { Scheduler } from '../../core/ports/scheduler.js';
import { LIVE_KEY_DETECTORS } from '../../core/redaction/detectors.js';
import { recheckSafety } from '../../adapters/redaction/redaction-io.js';
import { learnProfile } from '../../core/sandbox/profile/learn.js';
import { resolveProfile } from '../../core/sandbox/profile/load.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { ModelRoute, ResourceModel } from '../../core/sandbox/state/model.js';
import { KEY_CHECKSUM_LENGTH, KEY_RANDOM_LENGTH } from '../../core/sandbox/keys.js';
import { BUILTIN_SEEDS, type SeedCatalog } from '../../core/sandbox/tenant.js';
import { loadCatalogue } from '../../core/sandbox/scenarios/load.js';
import { describeScenarioPlace } from '../../core/sandbox/scenarios/types.js';
import { resolveRateLimits } from '../../core/sandbox/ratelimit.js';
import type { LoadedScenario, ScenarioCatalogue } from '../../core/sandbox/scenarios/types.js';
import { PROFILE_PRESET_NAMES, type TapedeckConfig } from '../config/config.js';
import { Journal } from '../journal/journal.js';
import { loadCassettesOrFail } from '../replay/server.js';
import { CRYPTO_KEYS } from '../sandbox/keys.js';
import type { SandboxServer, SandboxSources } from '../sandbox/server.js';
import { TenantAdmin } from '../sandbox/tenants.js';
import { cassetteStore, loadRedaction, nodeHost } from './common.js';

export type { SandboxServer } from '../sandbox/server.js';

/** What tests (and `sandbox check`, issue 17) replace in the sandbox server. */
export interface SandboxComposeOptions {
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Wraps the opened state (tests hold `apply` on a gate). */
  readonly wrapState?: (s: RuntimeState) => RuntimeState;
  /** The cassettes directory was named (`--cassettes`): its absence is an error, not "none". */
  readonly cassettesRequired?: boolean;
  /** Where the pseudonymization key is read from (`TAPEDECK_REDACTION_KEY`); none by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The profile named by `sandbox.profile` (a preset or a file), with the config's overrides. */
export function loadSandboxProfile(config: TapedeckConfig): {
  profile: ApiProfile;
  from: 'preset' | 'file';
} {
  const name = config.sandbox.profile;
  const from = PROFILE_PRESET_NAMES.includes(name) ? 'preset' : 'file';
  let profile: ApiProfile;
  try {
    profile = resolveProfile(name, (file) => readFileSync(file, 'utf8'), recheckSafety);
  } catch (error) {
    if (error instanceof TapedeckError) throw error;
    throw new TapedeckError(
      'TD_PROFILE_INVALID',
      `Profile ${from === 'file' ? shownPath(name) : name} cannot be read: ${(error as Error).message}.`,
      {
        cause: error,
        details: { file: from === 'file' ? shownPath(name) : name },
        hint: 'Use standard, stripe or github, or a profile file (schemas/api-profile.schema.json).',
      },
    );
  }
  const retention = config.sandbox.idempotency.retentionHours;
  if (retention !== undefined && profile.idempotency !== null)
    profile = { ...profile, idempotency: { ...profile.idempotency, retentionHours: retention } };
  const token = config.admin.token;
  if (token !== undefined && token.startsWith(profile.credentials.keyPrefix)) {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `The admin token starts with the profile's key prefix (${profile.credentials.keyPrefix}): it could pass for a tenant key.`,
      {
        details: { pointer: '/admin/token' },
        hint: 'Choose an admin token that does not look like a sandbox key (TAPEDECK_ADMIN_TOKEN).',
      },
    );
  }
  return { profile, from };
}

/** The scenario catalogue the config declares: its own, its directory's files, the preset's. */
export function loadConfiguredCatalogue(
  config: TapedeckConfig,
  profile: ApiProfile,
  from: 'preset' | 'file',
): ScenarioCatalogue {
  return loadCatalogue({
    config: config.sandbox.scenarios,
    dir: config.sandbox.scenariosDir,
    preset:
      config.sandbox.presetScenarios && from === 'preset'
        ? { name: profile.name, scenarios: profile.scenarios }
        : undefined,
    readFile: (file) => readFileSync(file, 'utf8'),
    listDir: (dir) =>
      existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir) : undefined,
    recheckSafety,
  });
}

/** The seed sets: built-in names, then `sandbox.seeds`; the default must be one of them. */
export function seedCatalog(config: TapedeckConfig): SeedCatalog {
  const dirs = config.sandbox.seeds;
  const names = [...BUILTIN_SEEDS, ...Object.keys(dirs)];
  if (!names.includes(config.sandbox.defaultSeed)) {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `sandbox.defaultSeed is ${JSON.stringify(config.sandbox.defaultSeed)}, which is no seed set (${names.join(', ')}).`,
      { details: { pointer: '/sandbox/defaultSeed' } },
    );
  }
  return { names, dirs };
}

function profileInvalid(file: string, pointer: string, message: string): TapedeckError {
  return new TapedeckError(
    'TD_PROFILE_INVALID',
    `Seed file ${shownPath(file)}: ${pointer === '' ? '' : `${pointer} `}${message}`,
    {
      details: { file: shownPath(file), pointer },
      hint: 'A seed file is {"resources": [{"type": "<modelled type>", "value": {…}}]} (docs/sandbox.md, "Seed sets").',
    },
  );
}

/**
 * Reads every provider seed file once at start, so a bad one stops the server here (fail
 * closed), not at a tenant's first request: JSON, the `resources` list, each entry's type a
 * modelled one and its value an object.
 */
export function checkSeedFiles(model: ResourceModel, catalog: SeedCatalog): void {
  for (const [name, dir] of Object.entries(catalog.dirs)) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new TapedeckError(
        'TD_PROFILE_INVALID',
        `Seed set ${name}: ${shownPath(dir)} is not a directory.`,
        { details: { pointer: `/sandbox/seeds/${name}` } },
      );
    }
    for (const entry of readdirSync(dir).sort()) {
      if (!entry.endsWith('.json')) continue;
      const file = join(dir, entry);
      const parsed = parseJsonc(readFileSync(file, 'utf8'));
      if (!parsed.ok)
        throw profileInvalid(file, '', `is not valid JSON${parsed.where}: ${parsed.message}.`);
      const doc = parsed.value as JsonValue;
      if (!isJsonObject(doc) || !Array.isArray(doc['resources']))
        throw profileInvalid(file, '/resources', 'must be a list of {"type", "value"} objects.');
      doc['resources'].forEach((item, i) => {
        if (!isJsonObject(item))
          throw profileInvalid(file, `/resources/${i}`, 'must be an object.');
        const type = item['type'];
        if (typeof type !== 'string' || !model.types.has(type))
          throw profileInvalid(
            file,
            `/resources/${i}/type`,
            `must name a modelled type (${[...model.types.keys()].slice(0, 8).join(', ')}${model.types.size > 8 ? ', …' : ''}).`,
          );
        if (!isJsonObject(item['value']))
          throw profileInvalid(file, `/resources/${i}/value`, 'must be an object.');
      });
    }
  }
}

/** Every cassette of the cassettes directory, or none when there is no such directory. */
/**
 * Every cassette of the cassettes directory. A missing directory is no recordings, unless it
 * was named (`--cassettes DIR`): then it is TD_CASSETTES_DIR_MISSING, as in replay.
 */
async function loadSandboxCassettes(
  config: TapedeckConfig,
  required: boolean,
): Promise<NamedCassette[]> {
  if (!required && !existsSync(config.cassettes)) return [];
  return loadCassettesOrFail(cassetteStore(config.cassettes, true));
}

/** What the sandbox is inferred from, loaded and checked: no state opened (`--explain`). */
export interface SandboxModel {
  readonly profile: ApiProfile;
  readonly spec: CompiledSpec | undefined;
  readonly cassettes: readonly NamedCassette[];
  readonly model: ResourceModel;
  readonly seeds: SeedCatalog;
  readonly sources: SandboxSources;
  /** The scenario catalogue (config, `sandbox.scenariosDir`, the preset's), checked against the model. */
  readonly scenarios: ScenarioCatalogue;
}

function scenarioInvalid(scenario: LoadedScenario, pointer: string, message: string, hint: string) {
  return new TapedeckError(
    'TD_SCENARIO_INVALID',
    `Scenario "${scenario.name}" (${describeScenarioPlace(scenario.source, `${scenario.pointer}${pointer}`)}): ${message}`,
    { details: { file: scenario.source, pointer: `${scenario.pointer}${pointer}` }, hint },
  );
}

/**
 * A state outcome's action on one operation's routes: never a list (no object to act on), and
 * an action the type's lifecycle declares unless the outcome declares it inline (`set`, `from`
 * or `event`) — an action nobody declared would run as nothing, silently.
 */
function checkStateAction(
  scenario: LoadedScenario,
  state: Extract<LoadedScenario['outcome'], { state: unknown }>['state'],
  routes: readonly ModelRoute[],
  i: number,
  model: ResourceModel,
): void {
  for (const route of routes) {
    if (route.role === 'list')
      throw scenarioInvalid(
        scenario,
        `/operations/${i}`,
        `has a state outcome, but ${route.method} ${route.path} lists ${route.type}: there is no one object to act on.`,
        'Name a create, retrieve, update or action route, or use an error or inline outcome for lists.',
      );
    const inline = state.set !== undefined || state.from !== undefined || state.event !== undefined;
    const declared = model.types.get(route.type)?.lifecycle?.actions ?? {};
    if (!inline && !Object.hasOwn(declared, state.action))
      throw scenarioInvalid(
        scenario,
        '/outcome/state/action',
        `runs the action ${state.action}, which ${route.type} does not declare${Object.keys(declared).length === 0 ? ' (it declares no actions)' : ` (it declares ${Object.keys(declared).join(', ')})`}.`,
        'Declare the action inline with `set` (and `from`, `event`), or name one of the type’s actions (`tapedeck sandbox --explain`).',
      );
  }
}

/**
 * What only the model, the spec and the recordings can tell about a catalogue, checked before
 * anything listens: every operation it names exists, a state outcome is on a state route, a
 * recorded outcome's cassette and interaction are there.
 */
export function checkCatalogue(
  catalogue: ScenarioCatalogue,
  model: ResourceModel,
  spec: CompiledSpec | undefined,
  cassettes: readonly NamedCassette[],
  /** The operation keys a recorded request routes to, as the scenario layer routes it. */
  operationsOf: (method: string, path: string) => readonly string[],
): void {
  const modelled = new Set<string>();
  /** The model routes by the names a scenario may give them. */
  const routesOf = new Map<string, ModelRoute[]>();
  const named = (key: string, route: ModelRoute) => {
    modelled.add(key);
    const list = routesOf.get(key);
    if (list === undefined) routesOf.set(key, [route]);
    else if (!list.includes(route)) list.push(route);
  };
  for (const route of model.routes) {
    named(`${route.method.toUpperCase()} ${route.path}`, route);
    if (route.operationId !== undefined) named(route.operationId, route);
  }
  const documented = new Set<string>();
  for (const operation of spec?.model.operations ?? []) {
    documented.add(`${operation.method.toUpperCase()} ${operation.path}`);
    documented.add(operation.id);
    // A documented operation the model covers is a state route under its spec name too.
    for (const route of model.routes.filter((r) => r.operationId === operation.id)) {
      named(operation.id, route);
      named(`${operation.method.toUpperCase()} ${operation.path}`, route);
    }
  }
  const known = (op: string) => modelled.has(op) || documented.has(op);
  // Each recorded status with the operations its request routes to, as the scenario layer routes it.
  let statuses: { status: number; operations: readonly string[] }[] | undefined;
  const recordedStatuses = () => {
    if (statuses !== undefined) return statuses;
    statuses = cassettes.flatMap(({ cassette }) =>
      cassette.interactions.map((i) => ({
        status: i.response.status,
        operations: operationsOf(i.request.method, i.request.path),
      })),
    );
    return statuses;
  };
  for (const scenario of catalogue.scenarios) {
    const outcome = scenario.outcome;
    scenario.operations.forEach((op, i) => {
      if (op === '*' && 'state' in outcome)
        throw scenarioInvalid(
          scenario,
          `/operations/${i}`,
          'has a state outcome on every operation (`*`), but a state action runs only on the routes of a resource it can act on.',
          'Name the routes the action runs on (`POST /v1/payment_intents/{intent}/confirm`); `tapedeck sandbox --explain` lists them.',
        );
      if (op === '*') return;
      if (!known(op))
        throw scenarioInvalid(
          scenario,
          `/operations/${i}`,
          `names an operation the sandbox does not have.`,
          'Name an operation as `METHOD /path/{param}` (the spec’s template) or a spec operation id; `tapedeck sandbox --explain` lists the routes.',
        );
      if ('state' in outcome && !modelled.has(op))
        throw scenarioInvalid(
          scenario,
          `/operations/${i}`,
          `has a state outcome, but ${op} is not a route of the resource model.`,
          'A state outcome runs in the state layer: name a modelled route (`tapedeck sandbox --explain`), or use an error outcome.',
        );
      if ('state' in outcome)
        checkStateAction(scenario, outcome.state, routesOf.get(op) ?? [], i, model);
    });
    if ('recorded' in outcome && 'cassette' in outcome.recorded) {
      const { cassette, interaction } = outcome.recorded;
      const found = cassettes.find((c) => c.name === cassette);
      if (found === undefined || found.cassette.interactions[interaction] === undefined)
        throw scenarioInvalid(
          scenario,
          '/outcome/recorded',
          found === undefined
            ? `names cassette ${cassette}, which is not in the cassettes directory.`
            : `names interaction ${interaction} of ${cassette}, which has ${found.cassette.interactions.length}.`,
          'Name a cassette of the cassettes directory (its file name without .json) and an interaction index from 0.',
        );
    }
    if ('recorded' in outcome && 'status' in outcome.recorded) {
      const { status } = outcome.recorded;
      const any = scenario.operations.includes('*');
      const found = recordedStatuses().some(
        (r) =>
          r.status === status &&
          (any || r.operations.some((op) => scenario.operations.includes(op))),
      );
      if (!found)
        throw scenarioInvalid(
          scenario,
          '/outcome/recorded/status',
          `answers the recorded ${status} of ${any ? 'any operation' : scenario.operations.join(', ')}, but no recording has one.`,
          'Record that answer (tapedeck record), name a recorded interaction by cassette and index, or use an inline or documented outcome.',
        );
    }
    if ('documented' in outcome && spec === undefined)
      throw scenarioInvalid(
        scenario,
        '/outcome/documented',
        'answers with the spec’s example, but the sandbox has no spec.',
        'Start the sandbox with --spec, or use an inline or error outcome.',
      );
  }
}

/**
 * The profile, spec, cassettes and seed files, loaded and checked, and the model inferred
 * from them: everything that can be wrong with the input fails here, before any state opens.
 */
export async function loadSandboxModel(
  config: TapedeckConfig,
  options: { readonly cassettesRequired?: boolean } = {},
): Promise<SandboxModel> {
  const { profile, from } = loadSandboxProfile(config);
  const specFile = config.sandbox.spec;
  // swagger-parser and ajv load only here: `tapedeck tenants …` never pays for them.
  const spec: CompiledSpec | undefined =
    specFile === undefined
      ? undefined
      : await (await import('./spec.js')).loadCompiledSpec(specFile);
  const cassettes = await loadSandboxCassettes(config, options.cassettesRequired === true);
  if (spec === undefined && cassettes.length === 0) {
    throw new TapedeckError(
      'TD_USAGE',
      'The sandbox needs a spec (--spec FILE, or sandbox.spec in tapedeck.config.json) or recordings (--cassettes DIR) to infer its resources from.',
      {
        hint: 'e.g. `tapedeck sandbox --spec openapi/stripe.json --profile stripe`; `tapedeck scenarios` takes the same --spec and --profile.',
      },
    );
  }
  const { inferModel } = await import('../../core/sandbox/state/infer.js');
  const model = inferModel({
    ...(spec === undefined ? {} : { spec }),
    cassettes,
    profile,
    overrides: config.sandbox.resources,
    notResources: config.sandbox.notResources,
  });
  const seeds = seedCatalog(config);
  checkSeedFiles(model, seeds);
  const scenarios = loadConfiguredCatalogue(config, profile, from);
  // The scenario layer's routing (loaded here: `tapedeck tenants` never pays for the engine).
  const { RequestFacts, stubRequest } = await import('../layers/scenario.js');
  const facts = new RequestFacts(model, spec?.router, undefined);
  checkCatalogue(scenarios, model, spec, cassettes, (method, path) =>
    facts.operations(stubRequest(method, path)),
  );
  const sources: SandboxSources = {
    ...(spec === undefined || specFile === undefined
      ? {}
      : {
          spec: {
            file: basename(specFile),
            paths: new Set(spec.model.operations.map((o) => o.path)).size,
          },
        }),
    cassettes,
    profile: from === 'preset' ? { from } : { from, file: shownPath(config.sandbox.profile) },
    keyFormat: `${profile.credentials.keyPrefix} + ${KEY_RANDOM_LENGTH} + ${KEY_CHECKSUM_LENGTH} checksum (131 bits)`,
    liveDetectors: LIVE_KEY_DETECTORS.map((d) => d.id),
    scenarios: scenarios.scenarios,
    rateLimits: {
      classes: resolveRateLimits(config.sandbox.rateLimits, profile.rateLimits),
      profileHas: profile.rateLimits.length,
    },
  };
  // What the profile leaves to `learn` (the standard preset's pagination), from the spec.
  return {
    profile: learnProfile(profile, spec, model),
    spec,
    cassettes,
    model,
    seeds,
    sources,
    scenarios,
  };
}

/** `tapedeck sandbox`: spec + cassettes + profile + state dir, composed into a server. */
export async function composeSandboxServer(
  config: TapedeckConfig,
  logger: Logger,
  options: SandboxComposeOptions = {},
): Promise<SandboxServer> {
  const { profile, spec, cassettes, model, seeds, sources, scenarios } = await loadSandboxModel(
    config,
    {
      cassettesRequired: options.cassettesRequired === true,
    },
  );
  // The engine and the spec mock load only here (start-up cost of the other commands).
  const [
    { SpecMock },
    { buildTemplates },
    { profileErrors },
    { explainJson },
    { buildSandboxServer },
    { compileCatalogue, chanceFires },
    { triggerInput },
    { UndiciWebhookSender },
    { payloadSource },
    { systemSigner },
    { composeWebhookDestinations, endpointIdPrefix },
  ] = await Promise.all([
    import('../../core/mock/openapi/responder.js'),
    import('../../core/sandbox/state/template.js'),
    import('../../core/sandbox/profile/answer.js'),
    import('../../core/render/sandbox-explain.js'),
    import('../sandbox/server.js'),
    import('../../core/sandbox/scenarios/compile.js'),
    import('../../core/sandbox/scenarios/input.js'),
    import('../../adapters/http/webhook-sender.js'),
    import('../../core/webhooks/payload.js'),
    import('../../adapters/system/signer.js'),
    import('./webhook-destinations.js'),
  ]);
  // Where webhooks may go: loopback and webhooks.allowedHosts, names resolved now.
  const destinations = await composeWebhookDestinations(config);
  const sender = new UndiciWebhookSender({ destinations, logger });
  const codec = new NodeBodyCodec({ maxDecodedBytes: config.maxBodyBytes });
  const redaction = loadRedaction(config, options.env ?? {}, logger, true);
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? systemScheduler;
  const opened = openSqliteState(config.stateDir);
  const state = options.wrapState === undefined ? opened : options.wrapState(opened);
  const journal = new Journal(state.journal, {
    scheduler,
    // A tenant's readiness is built from every answer it got, cassette hits included.
    keepCassetteHits: true,
    onWriteError: (error) =>
      logger.log('error', 'journal.write_failed', (error as Error).message, {
        code: 'TD_STATE_STORE_FAILED',
      }),
  });
  try {
    // Retention: at start (before anything is served) and hourly (docs/observability.md).
    const pruned = await journal.keepFor(config.journal, clock);
    if (pruned > 0)
      logger.log('info', 'journal.pruned', `removed ${pruned} journal entries past retention`);
    return await buildSandboxServer({
      config,
      profile,
      errors: profileErrors(profile, spec),
      model,
      sources,
      explainJson: () => explainJson(model, profile),
      ...(spec === undefined
        ? {}
        : {
            spec,
            specMock: new SpecMock(spec, {
              seed: config.mock.seed,
              // The tenant layer checked the key; the spec's own security schemes add nothing.
              security: false,
              validateRequests: config.mock.validateRequests,
              codec,
            }),
          }),
      templates: buildTemplates({ model, cassettes, ...(spec === undefined ? {} : { spec }) }),
      cassettes,
      seeds,
      scenarios: {
        catalogue: compileCatalogue(scenarios),
        chanceFires,
        triggerInput: (incoming, operations) =>
          triggerInput(incoming, operations, (raw, headers) => codec.decode(raw, headers)),
      },
      state,
      journal,
      clock,
      scheduler,
      logger,
      codec,
      redaction,
      keys: CRYPTO_KEYS,
      liveDetectors: LIVE_KEY_DETECTORS,
      host: nodeHost(config, logger),
      webhooks: {
        sender,
        destinations,
        signer: systemSigner,
        payloads: payloadSource({
          profile,
          samples: cassettes.flatMap((c) => c.cassette.webhooks ?? []),
          ...(spec === undefined ? {} : { spec }),
        }),
        idPrefix: endpointIdPrefix(profile),
      },
    });
  } catch (error) {
    await sender.close();
    await journal.close();
    await state.close();
    throw error;
  }
}

/**
 * The tenant use cases on the state directory (the `tenants` and `clock` commands): no spec,
 * no cassettes, only the profile (its key prefix) and the seed set names. SQLite in WAL mode
 * lets this run beside a running sandbox; the server sees changes within a second.
 */
export async function composeTenantAdmin(
  config: TapedeckConfig,
  options: { readonly clock?: Clock; readonly logger?: Logger } = {},
): Promise<{ admin: TenantAdmin; close(): Promise<void> }> {
  const { profile } = loadSandboxProfile(config);
  const seeds = seedCatalog(config);
  const state = openSqliteState(config.stateDir);
  const admin = new TenantAdmin({
    state,
    clock: options.clock ?? systemClock,
    profile,
    seeds,
    keys: CRYPTO_KEYS,
    config: config.sandbox,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return Promise.resolve({ admin, close: () => state.close() });
}
