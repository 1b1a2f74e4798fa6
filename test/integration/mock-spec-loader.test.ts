import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/adapters/spec/spec-loader.js';
import { isTapedeckError, type TapedeckError } from '../../src/core/errors.js';
import { runCleanups } from '../helpers/cleanup.js';
import { tmpDir } from '../helpers/tmp.js';
import { startSentinel } from '../helpers/upstream.js';
import { SPECS } from './mock-support.js';

afterEach(runCleanups);

async function failure(file: string): Promise<TapedeckError> {
  try {
    await loadSpecFile(file);
  } catch (error) {
    if (isTapedeckError(error, 'TD_SPEC_INVALID')) return error;
    throw error;
  }
  throw new Error(`${file} loaded`);
}

describe('loadSpecFile', () => {
  it('detects each dialect, JSON or YAML', async () => {
    expect((await loadSpecFile(join(SPECS, 'petstore-3.0.yaml'))).dialect).toBe('openapi-3.0');
    expect((await loadSpecFile(join(SPECS, 'store-3.1.json'))).dialect).toBe('openapi-3.1');
    expect((await loadSpecFile(join(SPECS, 'petstore-2.0.yaml'))).dialect).toBe('swagger-2.0');
  });

  it('bundles a multi-file spec into local refs and lists every file it read', async () => {
    const loaded = await loadSpecFile(join(SPECS, 'multi/openapi.yaml'));
    expect(JSON.stringify(loaded.document)).not.toMatch(/"\$ref":"\.\.?\//);
    expect(loaded.files.map((f) => f.slice(SPECS.length)).sort()).toEqual([
      'multi/openapi.yaml',
      'multi/parameters.yaml',
      'multi/paths/widgets.yaml',
      'multi/schemas/part.yaml',
      'multi/schemas/widget.yaml',
    ]);
  });

  it('names the file and the pointer of a $ref to nothing', async () => {
    const error = await failure(join(SPECS, 'broken-ref.yaml'));
    expect(error.message).toContain('broken-ref.yaml');
    expect(error.details['pointer']).toBe(
      '/paths/~1things/get/responses/200/content/application~1json/schema/$ref',
    );
    expect(error.message).toContain('#/components/schemas/Missing');
    expect(error.hint).toMatch(/\$ref/);
  });

  it('names the file, line and column of a syntax error', async () => {
    const error = await failure(join(SPECS, 'broken-syntax.yaml'));
    expect(error.message).toContain('broken-syntax.yaml');
    expect(error.message).toMatch(/\(3:1\)/);
  });

  it('lists every place a structurally invalid spec breaks the OpenAPI schema', async () => {
    const error = await failure(join(SPECS, 'broken-structure.yaml'));
    expect(error.message).toContain('/paths/~1things/get/responses/200');
    expect(error.details['pointer']).toBe('/paths/~1things/get/responses/200');
  });

  it('refuses a file that is no OpenAPI description, and a missing file', async () => {
    const dir = await tmpDir();
    const other = join(dir, 'other.yaml');
    await writeFile(other, 'openapi: 2.5.0\ninfo: {}\npaths: {}\n');
    const error = await failure(other);
    expect(error.details['pointer']).toBe('/openapi');
    expect((await failure(join(dir, 'absent.yaml'))).message).toContain('does not exist');
  });

  it('never follows http(s) $refs', async () => {
    const dir = await tmpDir();
    const file = join(dir, 'remote.yaml');
    await writeFile(
      file,
      [
        'openapi: 3.0.3',
        'info: { title: Remote, version: 1.0.0 }',
        'paths:',
        '  /x:',
        '    get:',
        '      responses:',
        "        '200': { $ref: 'http://127.0.0.1:9/responses.yaml#/Ok' }",
      ].join('\n'),
    );
    const error = await failure(file);
    expect(error.hint).toContain('never http(s)');
  });

  it('names the file and pointer of a remote $ref without opening a connection to it', async () => {
    const sentinel = await startSentinel();
    const dir = await tmpDir();
    const file = join(dir, 'remote.yaml');
    await writeFile(
      file,
      [
        'openapi: 3.0.3',
        'info: { title: Remote, version: 1.0.0 }',
        'paths:',
        '  /x:',
        '    get:',
        '      responses:',
        "        '200':",
        '          description: ok',
        '          content:',
        '            application/json:',
        `              schema: { $ref: '${sentinel.url}/schemas.yaml#/Pet' }`,
      ].join('\n'),
    );
    const error = await failure(file);
    expect(String(error.details['file'])).toMatch(/remote\.yaml$/);
    expect(error.details['pointer']).toBe(
      '/paths/~1x/get/responses/200/content/application~1json/schema/$ref',
    );
    expect(error.message).toContain(
      '/paths/~1x/get/responses/200/content/application~1json/schema',
    );
    expect(sentinel.connections()).toBe(0);
  });

  it('names the referencing file and pointer when a $ref names a file that does not exist', async () => {
    const dir = await tmpDir();
    const file = join(dir, 'main.yaml');
    await writeFile(
      file,
      [
        'openapi: 3.0.3',
        'info: { title: Split, version: 1.0.0 }',
        'paths:',
        '  /x:',
        '    get:',
        '      responses:',
        "        '200': { $ref: './responses/nothere.yaml#/Ok' }",
      ].join('\n'),
    );
    const error = await failure(file);
    expect(String(error.details['file'])).toMatch(/main\.yaml$/);
    expect(error.details['pointer']).toBe('/paths/~1x/get/responses/200/$ref');
    expect(error.message).toContain('responses/nothere.yaml');
    expect(error.hint).toMatch(/create it|fix the path/i);
  });
});
