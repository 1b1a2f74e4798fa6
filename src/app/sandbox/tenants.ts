// Over 450 lines: TenantAdmin is the one set of use cases the CLI and the admin routes share
// (create, rotate, revoke, reset, snapshot, restore, delete, clock, expiry) with their name and
// argument checks; splitting it would split one class.
import { TapedeckError } from '../../core/errors.js';
import type {
  Clock,
  Logger,
  RuntimeState,
  TenantKeyRecord,
  TenantQuotas,
  TenantRecord,
} from '../../core/ports/index.js';
import { advance, freeze, resume, tenantDay, tenantNow } from '../../core/sandbox/clock.js';
import { LIVE_KEY_DETECTORS } from '../../core/redaction/detectors.js';
import { keyHint } from '../../core/sandbox/keys.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { SeedCatalog } from '../../core/sandbox/tenant.js';
import type { SandboxConfig } from '../config/config.js';
import type { KeyMaker } from './keys.js';

export type { KeyMaker } from './keys.js';
export type { SeedCatalog } from '../../core/sandbox/tenant.js';

/** A key as lists show it: never the key, only its hint. Times are ISO 8601 (real time). */
export interface KeyView {
  readonly hint: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  /** `active`; `expiring` (rotated, still valid until expiresAt); `expired`; `revoked`. */
  readonly state: 'active' | 'expiring' | 'expired' | 'revoked';
}

export interface SnapshotView {
  readonly name: string;
  readonly createdAt: string;
  readonly resources: number;
}

/** A tenant clock: the tenant's time now, and how it differs from real time. */
export interface ClockView {
  readonly now: string;
  readonly frozen: boolean;
  readonly offsetMs: number;
}

/** What a clock change answers: the clock, and after an advance with `wait` the webhooks' state. */
export interface ClockAnswer extends ClockView {
  /** `more`: the drain stopped at its bound (1 000 attempts); the rest goes on in the background. */
  readonly webhooks?: { readonly more: boolean };
}

export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly seedSet: string;
  /** When it was last seeded; absent until its first request (or after a reset). */
  readonly seededAt?: string;
  readonly quotas: TenantQuotas;
  readonly usage: {
    readonly resources: number;
    readonly bytes: number;
    /** Requests counted on the tenant's day today (as flushed; the server may be ahead by 1 s). */
    readonly requestsToday: number;
  };
  readonly clock: ClockView;
  readonly keys: readonly KeyView[];
  readonly snapshots: readonly SnapshotView[];
}

export interface TenantAdminDeps {
  readonly state: RuntimeState;
  readonly clock: Clock;
  readonly profile: ApiProfile;
  readonly seeds: SeedCatalog /* names only */;
  readonly keys: KeyMaker;
  readonly config: SandboxConfig;
  /** Called after a change that a cached key lookup must not outlive (the server's resolver.forget). */
  readonly onChange?: (tenantId: string) => void;
  /**
   * Called after a tenant clock moved forward (issue 15: the dispatcher's drain of that tenant,
   * sending what fell due). An advance with `wait` awaits it and answers whether more is due.
   */
  readonly onAdvance?: (tenantId: string) => Promise<{ readonly more: boolean }> | void;
  /** Where `expireIdle` says which tenants it deleted (`sandbox.tenant_expired`, name only). */
  readonly logger?: Logger;
}

export type ClockOp =
  | { readonly freeze: true }
  /** `wait`: answer once the webhooks that fell due were attempted (issue 15). */
  | { readonly advanceMs: number; readonly wait?: boolean }
  | { readonly now: true }
  | { readonly show: true };

export type RevokeWhich = { readonly hint: string } | { readonly all: true };

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The sequences a snapshot keeps the tenant clock in: `#` never appears in a path segment, so no
 * model's sequence (named after types and scopes) can have these names.
 */
const CLOCK_OFFSET = '#tapedeck.clock.offsetMs';
const CLOCK_FROZEN = '#tapedeck.clock.frozenAt+1';
/** Whether the tenant was seeded when the snapshot was taken: 1 not yet, 2 seeded (0: unknown). */
const SEEDED = '#tapedeck.seeded';

/** Tenant and snapshot names: what a URL segment, a file name and a log line can all carry. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A name as a message may show it: only when it is a valid name (never raw request text). */
function shown(name: string): string {
  return NAME.test(name) ? `"${name}"` : '(this name)';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Whether a name could pass for a credential: names reach logs, the journal and the state file,
 * where a secret scanner (ours, or a partner's) would flag a `sk_live_…`-shaped one.
 */
function looksLikeKey(name: string, prefix: string): boolean {
  if (/_(?:live|test)_[0-9a-z]{16,}$/.test(name) || name.startsWith(prefix.toLowerCase()))
    return true;
  return LIVE_KEY_DETECTORS.some((d) => {
    const pattern = new RegExp(d.pattern.source, d.pattern.flags.replace('g', ''));
    return pattern.test(name) && (d.accept === undefined || d.accept(name));
  });
}

function checkName(name: string, what: 'tenant' | 'snapshot', prefix: string): void {
  const field = what === 'tenant' ? 'name' : 'snapshot';
  if (!NAME.test(name)) {
    throw new TapedeckError(
      'TD_USAGE',
      `A ${what} name is 1 to 63 characters: lower-case letters, digits, - and _, starting with a letter or digit.`,
      {
        details: { field },
        hint: `Choose a plain name, e.g. ${what === 'tenant' ? 'acme' : 'before-refunds'}.`,
      },
    );
  }
  // Admin lookups take a name or an id (`ten_` + 16): a name of an id's shape could answer for
  // another tenant's id.
  if (what === 'tenant' && /^ten_[a-z0-9]{16}$/.test(name)) {
    throw new TapedeckError(
      'TD_USAGE',
      'A tenant name must not look like a tenant id (ten_ and 16 letters or digits): admin lookups take either.',
      { details: { field }, hint: 'Choose a plain name, e.g. acme.' },
    );
  }
  if (looksLikeKey(name, prefix)) {
    throw new TapedeckError(
      'TD_USAGE',
      `A ${what} name must not look like a key (…_live_…, …_test_…, ghp_…, the profile's key prefix).`,
      {
        details: { field },
        hint: `Choose a plain name, e.g. ${what === 'tenant' ? 'acme' : 'before-refunds'}.`,
      },
    );
  }
}

/** Draws `length` base62 characters from the key maker's randomness (a key's random part). */
function randomToken(keys: KeyMaker, length: number): string {
  let out = '';
  while (out.length < length) out += keys.newKey('x_').slice(2, -6);
  return out.slice(0, length);
}

/**
 * The tenant use cases, shared by `tapedeck tenants …` / `tapedeck clock …` (on the state
 * directory directly) and the admin routes `/__tapedeck/tenants…` (in the server). Unknown
 * names are TD_TENANT_NOT_FOUND. Key times (created, expires, revoked) and last use are real
 * time; a tenant's clock moves only its own resources' timestamps and idempotency retention.
 */
export class TenantAdmin {
  constructor(private readonly deps: TenantAdminDeps) {}

  private get prefix(): string {
    return this.deps.profile.credentials.keyPrefix;
  }

  private changed(tenantId: string): void {
    this.deps.onChange?.(tenantId);
  }

  private async tenant(name: string): Promise<TenantRecord> {
    const found = NAME.test(name) ? await this.deps.state.tenants.getByName(name) : undefined;
    if (found === undefined) {
      throw new TapedeckError('TD_TENANT_NOT_FOUND', `There is no tenant ${shown(name)}.`, {
        hint: '`tapedeck tenants list` (or GET /__tapedeck/tenants) shows the tenants there are.',
      });
    }
    return found;
  }

  private keyRecord(key: string, tenant: string, createdAt: number): TenantKeyRecord {
    return {
      hash: this.deps.keys.hashKey(key),
      tenant,
      hint: keyHint(key, this.prefix),
      createdAt,
    };
  }

  private async view(record: TenantRecord): Promise<TenantView> {
    const { state, clock, config } = this.deps;
    const real = clock.now();
    const [keys, snapshots, requestsToday] = await Promise.all([
      state.tenants.listKeys(record.id),
      state.resources.listSnapshots(record.id),
      state.usage.get(record.id, tenantDay(tenantNow(record.clock, real))),
    ]);
    return {
      id: record.id,
      name: record.name,
      createdAt: iso(record.createdAt),
      lastUsedAt: iso(record.lastUsedAt),
      seedSet: record.seedSet,
      ...(record.seededAt === undefined ? {} : { seededAt: iso(record.seededAt) }),
      quotas: { ...config.quotas, ...record.quotas },
      usage: { resources: record.usage.resources, bytes: record.usage.bytes, requestsToday },
      clock: clockView(record.clock, real),
      keys: keys.map((k) => keyView(k, real)),
      snapshots: snapshots.map((s) => ({
        name: s.name,
        createdAt: iso(s.createdAt),
        resources: s.resources,
      })),
    };
  }

  async create(
    name: string,
    options: { seed?: string } = {},
  ): Promise<{ tenant: TenantView; key: string }> {
    checkName(name, 'tenant', this.prefix);
    const { seeds, config, keys, clock, state } = this.deps;
    const seedSet = options.seed ?? config.defaultSeed;
    if (!seeds.names.includes(seedSet)) {
      throw new TapedeckError(
        'TD_USAGE',
        `There is no seed set ${shown(seedSet)}: use one of ${seeds.names.join(', ')}.`,
        {
          details: { field: 'seed' },
          hint: 'Provider seed sets are named in the config: sandbox.seeds (docs/sandbox.md, "Seed sets").',
        },
      );
    }
    if ((await state.tenants.getByName(name)) !== undefined) throw taken(name);
    const now = clock.now();
    const id = `ten_${randomToken(keys, 16)}`;
    const key = keys.newKey(this.prefix);
    const created = await state.tenants.create(
      {
        id,
        name,
        createdAt: now,
        lastUsedAt: now,
        seedSet,
        idSeed: randomToken(keys, 22),
        clock: { offsetMs: 0 },
      },
      this.keyRecord(key, id, now),
    );
    // Lost a race with another process creating the same name (ids and hashes are 131-bit draws).
    if (!created) throw taken(name);
    return { tenant: await this.view(await this.tenant(name)), key };
  }

  async list(): Promise<TenantView[]> {
    const records = await this.deps.state.tenants.list();
    return Promise.all(records.map((r) => this.view(r)));
  }

  async show(name: string): Promise<TenantView> {
    return this.view(await this.tenant(name));
  }

  /**
   * A new key; every key still valid now expires after the overlap (default
   * `sandbox.tenants.keyOverlapHours`), so clients can move over. 0 ends them at once.
   */
  async rotate(
    name: string,
    options: { overlapMs?: number } = {},
  ): Promise<{ key: string; previous: KeyView[] }> {
    const record = await this.tenant(name);
    const { state, clock, keys, config } = this.deps;
    const overlap = options.overlapMs ?? config.tenants.keyOverlapHours * HOUR_MS;
    if (!Number.isSafeInteger(overlap) || overlap < 0 || overlap > 365 * DAY_MS) {
      throw new TapedeckError(
        'TD_USAGE',
        'The overlap is 0 to 365 days (e.g. 24h, 0 to end the old keys now).',
        {
          details: { field: 'overlap' },
        },
      );
    }
    const now = clock.now();
    const ends = now + overlap;
    const current = (await state.tenants.listKeys(record.id)).filter((k) => isValid(k, now));
    const key = keys.newKey(this.prefix);
    if (!(await state.tenants.addKey(this.keyRecord(key, record.id, now)))) {
      throw new TapedeckError('TD_INTERNAL', 'A new key collided with a stored one; try again.');
    }
    // Keys already ending sooner keep their end: a rotation never extends a key's life.
    const hashes = current
      .filter((k) => k.expiresAt === undefined || k.expiresAt > ends)
      .map((k) => k.hash);
    if (hashes.length > 0) await state.tenants.updateKeys(record.id, { hashes, expiresAt: ends });
    this.changed(record.id);
    const previous = (await state.tenants.listKeys(record.id))
      .filter((k) => current.some((c) => c.hash === k.hash))
      .map((k) => keyView(k, now));
    return { key, previous };
  }

  /** Revokes one key (by its hint, `tdk_test_…DELp` or its last four characters) or all of them. */
  async revoke(name: string, which: RevokeWhich): Promise<number> {
    const record = await this.tenant(name);
    const { state, clock } = this.deps;
    const now = clock.now();
    const live = (await state.tenants.listKeys(record.id)).filter((k) => k.revokedAt === undefined);
    let chosen = live;
    if ('hint' in which) {
      const tail = hintTail(which.hint);
      chosen = live.filter(
        (k) => k.hint === which.hint || (tail !== undefined && k.hint.endsWith(`…${tail}`)),
      );
      if (chosen.length === 0) {
        throw new TapedeckError(
          'TD_USAGE',
          `Tenant ${shown(name)} has no unrevoked key with that hint.`,
          {
            details: { field: 'key' },
            hint: '`tapedeck tenants show NAME` lists its keys by hint (the prefix and last four characters).',
          },
        );
      }
    }
    const n =
      chosen.length === 0
        ? 0
        : await state.tenants.updateKeys(record.id, {
            hashes: chosen.map((k) => k.hash),
            revokedAt: now,
          });
    this.changed(record.id);
    return n;
  }

  /**
   * Four transactions (the store has no one call for all of it), ordered so that a failure
   * half-way leaves nothing a client could trip on: idempotency records go first (alone, they
   * only stop replays), then the resources, then armed scenarios and scenario counters (a reset
   * tenant starts every sequence again), then the seeding mark. Running reset again after a
   * failure finishes it.
   */
  async reset(name: string): Promise<void> {
    const record = await this.tenant(name);
    const { state } = this.deps;
    try {
      await state.idempotency.clear(record.id);
      await state.resources.clear(record.id);
      await state.scenarios.clear(record.id);
      await state.tenants.update(record.id, { seededAt: null });
    } finally {
      this.changed(record.id);
    }
  }

  /** Resources, sequences and the tenant clock (not idempotency records: see restore). */
  async snapshot(name: string, snapshot: string): Promise<SnapshotView> {
    checkName(snapshot, 'snapshot', this.prefix);
    const record = await this.tenant(name);
    const { state, clock } = this.deps;
    const now = clock.now();
    // The clock rides in the snapshot as two sequences of names no model uses.
    const saved = await state.resources.apply(
      record.id,
      {
        puts: [],
        deletes: [],
        sequences: [
          { name: CLOCK_OFFSET, value: record.clock.offsetMs },
          {
            name: CLOCK_FROZEN,
            value: record.clock.frozenAt === undefined ? 0 : record.clock.frozenAt + 1,
          },
          { name: SEEDED, value: record.seededAt === undefined ? 1 : 2 },
        ],
      },
      now,
    );
    if (!saved.ok)
      throw new TapedeckError(
        'TD_STATE_STORE_FAILED',
        'The tenant clock could not be saved with the snapshot.',
      );
    await state.resources.saveSnapshot(record.id, snapshot, now);
    const listed = (await state.resources.listSnapshots(record.id)).find(
      (s) => s.name === snapshot,
    );
    if (listed === undefined)
      throw new TapedeckError('TD_STATE_STORE_FAILED', 'The snapshot was not saved.');
    return { name: listed.name, createdAt: iso(listed.createdAt), resources: listed.resources };
  }

  async restore(name: string, snapshot: string): Promise<void> {
    const record = await this.tenant(name);
    const { state, clock } = this.deps;
    const known =
      NAME.test(snapshot) &&
      (await state.resources.listSnapshots(record.id)).some((s) => s.name === snapshot);
    // Replays go first: answers remembered for objects the snapshot may not have.
    if (known) await state.idempotency.clear(record.id);
    if (!known || !(await state.resources.loadSnapshot(record.id, snapshot))) {
      throw new TapedeckError(
        'TD_USAGE',
        `Tenant ${shown(name)} has no snapshot ${shown(snapshot)}.`,
        {
          details: { field: 'snapshot' },
          hint: '`tapedeck tenants show NAME` lists its snapshots.',
        },
      );
    }
    // A restored tenant replays nothing made after the snapshot (cleared above), is not seeded
    // over again, and its clock is where it was.
    const offsetMs = await state.resources.sequence(record.id, CLOCK_OFFSET);
    const frozen = await state.resources.sequence(record.id, CLOCK_FROZEN);
    // A snapshot of a tenant not seeded yet (taken right after create or reset) brings back a
    // fresh tenant: seeded again on its next request, not an empty one marked seeded.
    const unseeded = (await state.resources.sequence(record.id, SEEDED)) === 1;
    await state.tenants.update(record.id, {
      clock: frozen === 0 ? { offsetMs } : { offsetMs, frozenAt: frozen - 1 },
      ...(unseeded
        ? { seededAt: null }
        : record.seededAt === undefined
          ? { seededAt: clock.now() }
          : {}),
    });
    this.changed(record.id);
  }

  async delete(name: string): Promise<boolean> {
    const record = await this.tenant(name);
    const deleted = await this.deps.state.tenants.delete(record.id);
    this.changed(record.id);
    return deleted;
  }

  async clock(name: string, op: ClockOp): Promise<ClockAnswer> {
    const record = await this.tenant(name);
    const { state, clock } = this.deps;
    const real = clock.now();
    if ('show' in op) return clockView(record.clock, real);
    const next =
      'freeze' in op
        ? freeze(record.clock, real)
        : 'now' in op
          ? resume(record.clock, real)
          : advance(record.clock, op.advanceMs);
    await state.tenants.update(record.id, { clock: next });
    this.changed(record.id);
    const view = clockView(next, real);
    if (!('advanceMs' in op)) return view;
    const drained = this.deps.onAdvance?.(record.id);
    if (drained === undefined) return view;
    if (op.wait === true) return { ...view, webhooks: { more: (await drained).more } };
    drained.catch((error: unknown) =>
      this.deps.logger?.log(
        'error',
        'webhooks.failed',
        `sending the webhooks due after advancing tenant ${record.name}'s clock failed: ${(error as Error).message}`,
        { tenant: record.name },
      ),
    );
    return view;
  }

  /**
   * Deletes the tenants unused for more than `sandbox.tenants.idleDays` days of real time (a
   * tenant's own clock never expires it: moving it forward a month is a test, not idleness).
   */
  async expireIdle(): Promise<string[]> {
    const { state, clock, config, logger } = this.deps;
    const days = config.tenants.idleDays;
    if (!(days > 0)) return [];
    const before = clock.now() - days * DAY_MS;
    const expired: string[] = [];
    for (const record of await state.tenants.list()) {
      if (record.lastUsedAt >= before) continue;
      if (await state.tenants.delete(record.id)) {
        expired.push(record.name);
        this.changed(record.id);
        logger?.log(
          'info',
          'sandbox.tenant_expired',
          `deleted tenant ${record.name}: unused for more than ${days} days`,
          {
            tenant: record.name,
          },
        );
      }
    }
    return expired;
  }
}

function taken(name: string): TapedeckError {
  return new TapedeckError('TD_USAGE', `A tenant ${shown(name)} already exists.`, {
    details: { field: 'name' },
    hint: 'Choose another name, or `tapedeck tenants rotate NAME` for a new key of that one.',
  });
}

function isValid(key: TenantKeyRecord, now: number): boolean {
  return key.revokedAt === undefined && (key.expiresAt === undefined || key.expiresAt > now);
}

function keyView(key: TenantKeyRecord, now: number): KeyView {
  const state: KeyView['state'] =
    key.revokedAt !== undefined
      ? 'revoked'
      : key.expiresAt === undefined
        ? 'active'
        : key.expiresAt > now
          ? 'expiring'
          : 'expired';
  return {
    hint: key.hint,
    createdAt: iso(key.createdAt),
    ...(key.expiresAt === undefined ? {} : { expiresAt: iso(key.expiresAt) }),
    ...(key.revokedAt === undefined ? {} : { revokedAt: iso(key.revokedAt) }),
    state,
  };
}

export function clockView(state: { offsetMs: number; frozenAt?: number }, real: number): ClockView {
  return {
    now: iso(tenantNow(state, real)),
    frozen: state.frozenAt !== undefined,
    offsetMs: state.frozenAt === undefined ? state.offsetMs : state.frozenAt - real,
  };
}

/** The last four characters a hint names: `tdk_test_…DELp`, `…DELp` or `DELp`. */
function hintTail(hint: string): string | undefined {
  const tail = hint.includes('…') ? hint.slice(hint.lastIndexOf('…') + 1) : hint.slice(-4);
  return /^[0-9A-Za-z]{4}$/.test(tail) ? tail : undefined;
}
