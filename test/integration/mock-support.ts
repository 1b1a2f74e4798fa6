import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { composeMockServer } from '../../src/app/compose/spec.js';
import { resolveConfig, type FlagValue } from '../../src/app/config/config.js';
import type { MockServer } from '../../src/app/mock/server.js';
import { loadSpecFile } from '../../src/adapters/spec/spec-loader.js';
import type { LoadedSpec } from '../../src/core/mock/openapi/operations.js';
import { toJsonSchemaDocument } from '../../src/core/mock/openapi/schema.js';
import { defer } from '../helpers/cleanup.js';
import { CollectingLogger } from '../helpers/logger.js';
import { tempDir } from '../helpers/tmp.js';

export const SPECS = fileURLToPath(new URL('../fixtures/specs/', import.meta.url));

export interface RunningMock {
  readonly server: MockServer;
  readonly url: string;
  readonly logger: CollectingLogger;
}

/** `tapedeck mock` through the composition root, on 127.0.0.1 port 0, stopped after the test. */
export async function startMock(
  spec: string,
  options: { cwd?: string; flags?: readonly FlagValue[]; watch?: boolean } = {},
): Promise<RunningMock> {
  const config = resolveConfig({
    cwd: options.cwd ?? tempDir(),
    env: {},
    flags: [
      { pointer: '/server/host', value: '127.0.0.1', flag: '--host' },
      { pointer: '/server/port', value: 0, flag: '--port' },
      ...(options.flags ?? []),
    ],
  }).config;
  const logger = new CollectingLogger();
  const server = await composeMockServer(spec, config, logger, { watch: options.watch === true });
  defer(() => server.stop());
  const url = await server.listen();
  return { server, url, logger };
}

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => unknown;

/**
 * An ajv instance independent of the mock's own: every generated answer in the tests is
 * checked against its schema here.
 */
export class IndependentValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });

  private constructor(readonly loaded: LoadedSpec) {
    addFormats(this.ajv);
    this.ajv.addSchema(toJsonSchemaDocument(loaded.document, loaded.dialect, 'response'), 'spec');
  }

  static async of(file: string): Promise<IndependentValidator> {
    return new IndependentValidator(await loadSpecFile(file));
  }

  /** Asserts `value` is valid against the schema at `pointer` (a JSON pointer into the spec). */
  expectValid(pointer: string, value: unknown): void {
    const fragment = pointer
      .split('/')
      .map((t) => encodeURIComponent(t).replace(/%7E/gi, '~'))
      .join('/');
    const validate = this.ajv.compile({ $ref: `spec#${fragment}` });
    const ok = validate(value);
    expect(
      ok,
      `${pointer}: ${JSON.stringify(validate.errors)}\nvalue: ${JSON.stringify(value)}`,
    ).toBe(true);
  }
}
