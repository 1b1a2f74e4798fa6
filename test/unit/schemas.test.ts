import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/app/config/schema.js';
import { cassetteSchemaV1 } from '../../src/core/cassette/schema.js';
import { parseCassette } from '../../src/core/cassette/codec.js';
import { ruleFileSchema } from '../../src/core/redaction/rules.js';
import { apiProfileSchema } from '../../src/core/sandbox/profile/schema.js';
import { scenariosSchema } from '../../src/core/sandbox/scenarios/schema.js';
import { readdirSync } from 'node:fs';

const read = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));

describe('shipped JSON Schemas', () => {
  it('schemas/cassette-v1.schema.json is the schema the code validates with (run `npm run schemas` after a change)', () => {
    expect(read('schemas/cassette-v1.schema.json')).toEqual(cassetteSchemaV1);
  });

  it('schemas/config.schema.json is the schema the code validates with (run `npm run schemas` after a change)', () => {
    expect(read('schemas/config.schema.json')).toEqual(configSchema);
  });

  it('schemas/redaction-rules.schema.json is the schema the code validates with (run `npm run schemas` after a change)', () => {
    expect(read('schemas/redaction-rules.schema.json')).toEqual(ruleFileSchema);
  });

  it('schemas/api-profile.schema.json is the schema the code validates with (run `npm run schemas` after a change)', () => {
    expect(read('schemas/api-profile.schema.json')).toEqual(apiProfileSchema);
  });

  it('schemas/scenarios.schema.json is the schema the code validates with (run `npm run schemas` after a change)', () => {
    expect(read('schemas/scenarios.schema.json')).toEqual(scenariosSchema);
  });

  it('every example cassette in cassettes/ is valid', () => {
    const dir = new URL('../../cassettes/', import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.json'),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(() =>
        parseCassette(readFileSync(new URL(file, dir), 'utf8'), `cassettes/${file}`),
      ).not.toThrow();
    }
  });
});
