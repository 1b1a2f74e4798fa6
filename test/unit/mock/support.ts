/**
 * Test support for the schema-driven generator: an ajv instance independent of the code under
 * test validates every generated value, and small helpers build converted documents.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { generateValue, type GenerateIssue } from '../../../src/core/mock/generate/generate.js';
import { seededRng } from '../../../src/core/mock/generate/random.js';
import {
  resolveLocalRef,
  toJsonSchemaDocument,
  type Direction,
  type SpecDialect,
} from '../../../src/core/mock/openapi/schema.js';
import type { JsonValue } from '../../../src/core/json.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => unknown;

/** A fresh ajv 2020-12 with every ajv-formats format, configured as a strict consumer would. */
export function newAjv(options: { logger?: Ajv2020['logger'] | false } = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: options.logger ?? false });
  addFormats(ajv);
  return ajv;
}

export interface SpecHarness {
  readonly converted: Record<string, unknown>;
  readonly resolve: (ref: string) => unknown;
  /** ajv's verdict on `value` against the schema at `ref` (`#/components/schemas/X`). */
  errors(ref: string, value: unknown): string | undefined;
  /** Generates for `ref`, collecting issues. */
  generate(
    ref: string,
    seed?: string | number,
    extra?: { name?: string; maxDepth?: number },
  ): { value: JsonValue; issues: GenerateIssue[] };
}

/** Converts `document` and prepares an independent validator for it. */
export function harness(
  document: object,
  dialect: SpecDialect = 'openapi-3.1',
  direction: Direction = 'response',
): SpecHarness {
  const converted = toJsonSchemaDocument(document, dialect, direction) as Record<string, unknown>;
  const ajv = newAjv();
  ajv.addSchema(converted, 'spec');
  const resolve = (ref: string): unknown => resolveLocalRef(converted, ref);
  return {
    converted,
    resolve,
    errors(ref, value) {
      const validate = ajv.getSchema(`spec${ref}`);
      if (validate === undefined) throw new Error(`no schema at ${ref}`);
      return validate(value) ? undefined : ajv.errorsText(validate.errors);
    },
    generate(ref, seed = 1, extra = {}) {
      const issues: GenerateIssue[] = [];
      const value = generateValue(
        { $ref: ref },
        {
          rng: seededRng(seed, ref),
          resolve,
          onIssue: (issue) => issues.push(issue),
          ...(extra.name !== undefined ? { name: extra.name } : {}),
          ...(extra.maxDepth !== undefined ? { maxDepth: extra.maxDepth } : {}),
        },
      );
      return { value, issues };
    },
  };
}

/** A 3.1 document whose components.schemas are `schemas`. */
export function specOf(schemas: Record<string, unknown>, openapi = '3.1.0'): object {
  return { openapi, info: { title: 'test', version: '1' }, paths: {}, components: { schemas } };
}
