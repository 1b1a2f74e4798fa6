import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedCassette } from '../../core/cassette/model.js';
import { TapedeckError } from '../../core/errors.js';
import { isJsonObject } from '../../core/json.js';
import type { ResourceStore, StoredResource } from '../../core/ports/resources.js';
import { segment } from '../../core/sandbox/state/engine.js';
import { seedFromRecordings, seedSequences } from '../../core/sandbox/state/seed.js';
import type { ResourceModel } from '../../core/sandbox/state/model.js';
import type { ResolvedTenant, SeedCatalog } from '../../core/sandbox/tenant.js';

export interface TenantSeeder {
  /** Seeds the tenant in one transaction unless it is seeded already (§6.3). */
  ensureSeeded(tenant: ResolvedTenant): Promise<void>;
}

export interface TenantSeederOptions {
  readonly model: ResourceModel;
  readonly cassettes: readonly NamedCassette[];
  readonly seeds: SeedCatalog;
  readonly resources: ResourceStore;
  /** After this process seeded a tenant: E forgets the resolver's entry and rewinds cassettes. */
  readonly onSeeded: (tenantId: string) => void;
}

/**
 * A provider seed set (`sandbox.seeds`): every `*.json` file of its directory, each
 * `{"resources": [{"type": "customers", "value": {…}}]}`, ids kept. Read and checked when the
 * server starts, so a bad file stops it (fail closed) instead of half-seeding a tenant later.
 */
export function loadSeedSet(
  model: ResourceModel,
  name: string,
  dir: string,
): readonly StoredResource[] {
  const out: StoredResource[] = [];
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (error) {
    throw new TapedeckError('TD_CONFIG_INVALID', `Seed set ${name}: cannot read ${dir}.`, {
      cause: error,
      hint: 'Fix sandbox.seeds in the config: each set names a directory of JSON files.',
    });
  }
  for (const file of files) {
    const path = join(dir, file);
    const bad = (pointer: string, why: string): never => {
      throw new TapedeckError('TD_CONFIG_INVALID', `${path}: ${pointer} ${why}.`, {
        details: { file: path, pointer },
        hint: 'A seed file is {"resources": [{"type": "<modelled type>", "value": {…, "id": "…"}}]}.',
      });
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    } catch {
      return bad('', 'is not valid JSON');
    }
    if (!isJsonObject(parsed) || !Array.isArray(parsed['resources']))
      bad('/resources', 'must be an array');
    const list = (parsed as { resources: unknown[] }).resources;
    list.forEach((entry, i) => {
      if (!isJsonObject(entry)) return bad(`/resources/${i}`, 'must be an object');
      const typeName = entry['type'];
      const type = typeof typeName === 'string' ? model.types.get(typeName) : undefined;
      if (type === undefined) return bad(`/resources/${i}/type`, 'must name a modelled type');
      const value = entry['value'];
      if (!isJsonObject(value)) return bad(`/resources/${i}/value`, 'must be an object');
      const id = value[type.idField];
      if (typeof id !== 'string' && typeof id !== 'number')
        return bad(`/resources/${i}/value/${type.idField}`, 'must be the id (a string or number)');
      const parent = entry['parent'];
      // A type that lives in a scope (`/repos/{owner}/{repo}/issues`) is stored under it.
      const scoped = model.routes.some(
        (r) => r.type === type.name && r.parents.some((p) => p.type === undefined),
      );
      if (scoped && (typeof parent !== 'string' || parent === ''))
        return bad(`/resources/${i}/parent`, 'must name the scope (`octo/hello`)');
      out.push({
        type: type.name,
        id: scoped ? `${parent as string}/${segment(String(id))}` : String(id),
        value: { ...type.constants, ...value },
        ...(typeof parent === 'string' ? { parent } : {}),
      });
    });
  }
  return out;
}

/**
 * Lazy seeding (docs/design/issue-13-plan.md §0.8, §6.3): a tenant is seeded by its first request
 * after it was created or reset — one `apply` that claims seeding (`seed: {at}`) and puts every
 * seed resource, so a crash never leaves a half-seeded tenant and only one request or process
 * wins (the others get `already-seeded` and go on).
 */
export function tenantSeeder(o: TenantSeederOptions): TenantSeeder {
  let recordings: readonly StoredResource[] | undefined;
  const provided = new Map<string, readonly StoredResource[]>();
  for (const [name, dir] of Object.entries(o.seeds.dirs))
    provided.set(name, loadSeedSet(o.model, name, dir));
  const running = new Map<string, Promise<void>>();
  // The resolver hands out one object per tenant for its cache lifetime (≤ 1 s): once that
  // object is seeded (or found seeded), its requests skip the claim. A reset yields a new one.
  const done = new WeakSet<ResolvedTenant>();

  const resourcesOf = (set: string): readonly StoredResource[] => {
    if (set === 'empty') return [];
    const named = provided.get(set);
    if (named !== undefined) return named;
    // `recordings`, and a set this server does not know (created elsewhere): the recordings.
    recordings ??= seedFromRecordings(o.model, o.cassettes);
    return recordings;
  };

  const seed = async (tenant: ResolvedTenant): Promise<void> => {
    const resources = resourcesOf(tenant.seedSet);
    const at = tenant.now();
    const result = await o.resources.apply(
      tenant.id,
      {
        puts: resources,
        deletes: [],
        sequences: seedSequences(o.model, resources),
        seed: { at },
      },
      at,
    );
    if (result.ok || result.reason === 'already-seeded') done.add(tenant);
    if (result.ok) o.onSeeded(tenant.id);
    else if (result.reason !== 'already-seeded')
      throw new TapedeckError(
        'TD_STATE_STORE_FAILED',
        `Seeding tenant ${tenant.name} failed (${result.reason}).`,
        { hint: 'Reset the tenant with `tapedeck tenants reset`, or raise its quota.' },
      );
  };

  return {
    ensureSeeded(tenant) {
      if (tenant.seededAt !== undefined || done.has(tenant)) return Promise.resolve();
      let pending = running.get(tenant.id);
      if (pending === undefined) {
        pending = seed(tenant).finally(() => running.delete(tenant.id));
        running.set(tenant.id, pending);
      }
      return pending;
    },
  };
}
