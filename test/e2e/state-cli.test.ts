import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliToEnd } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('tapedeck and its state file', () => {
  it('refuses to start on a state file from a newer tapedeck: TD_STATE_SCHEMA_NEWER, exit 4', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'cassettes'));
    const stateDir = join(dir, '.state');
    mkdirSync(stateDir);
    const file = join(stateDir, 'state.db');
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    const result = await runCliToEnd(['replay', '--port', '0'], {
      cwd: dir,
      env: { TAPEDECK_STATE_DIR: stateDir },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('TD_STATE_SCHEMA_NEWER');
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain('schema version 999');
    expect(result.stderr).not.toContain('listening');
  });
});
