/**
 * What the state file keeps of a tenant once it is gone: nothing. Deleted rows are overwritten
 * (`secure_delete`), not left in free pages for anyone who reads the file's bytes, and the file
 * and its directory are private to the user that runs tapedeck.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteState, STATE_FILE } from '../../src/adapters/state/sqlite/index.js';
import { runCleanups } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const MARKER = 'MARKERPURGE7';

describe('a deleted tenant leaves no bytes behind', () => {
  it('resources, events, idempotency records and snapshots are overwritten on delete', async () => {
    const dir = join(tempDir('tapedeck-purge-'), 'state');
    const state = openSqliteState(dir);
    const tenant = {
      id: 'ten_purge',
      name: 'purge',
      createdAt: 1,
      lastUsedAt: 1,
      seedSet: 'empty',
      idSeed: 'purge',
      clock: { offsetMs: 0 },
    };
    expect(
      await state.tenants.create(tenant, {
        hash: 'h'.repeat(64),
        tenant: tenant.id,
        hint: 'abcd',
        createdAt: 1,
      }),
    ).toBe(true);
    const value = { id: 'cus_1', object: 'customer', description: `${MARKER} ${'x'.repeat(300)}` };
    await state.idempotency.begin(tenant.id, 'k'.repeat(64), 'f', 'POST /v1/customers', 1, 0);
    const applied = await state.resources.apply(
      tenant.id,
      {
        puts: [{ type: 'customers', id: 'cus_1', value }],
        deletes: [],
        events: [
          {
            id: 'evt_1',
            type: 'customer.created',
            at: 1,
            resourceType: 'customers',
            resourceId: 'cus_1',
            data: value,
          },
        ],
        idempotency: {
          keyHash: 'k'.repeat(64),
          response: {
            status: 200,
            headers: [],
            body: new TextEncoder().encode(JSON.stringify(value)),
          },
        },
      },
      1,
    );
    expect(applied).toEqual({ ok: true });
    await state.resources.saveSnapshot(tenant.id, 'before', 1);
    await state.close();
    const file = join(dir, STATE_FILE);
    expect(readFileSync(file).toString('latin1')).toContain(MARKER);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const reopened = openSqliteState(dir);
    expect(await reopened.tenants.delete(tenant.id)).toBe(true);
    await reopened.close();
    expect(readFileSync(file).toString('latin1')).not.toContain(MARKER);
  });
});
