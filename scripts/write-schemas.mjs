// Writes schemas/*.json from the schema constants of the public API in the built code
// (npm run schemas): the schemas are part of the API, so nothing internal is needed.
// test/unit/schemas.test.ts fails when the shipped files and the constants disagree.
import { writeFileSync } from 'node:fs';
import {
  apiProfileSchema,
  cassetteSchemaV1,
  configSchema,
  driftReportSchema,
  readinessCriteriaSchema,
  readinessReportSchema,
  ruleFileSchema,
  scenariosSchema,
} from '../dist/index.js';

const schemas = {
  'api-profile.schema.json': apiProfileSchema,
  'cassette-v1.schema.json': cassetteSchemaV1,
  'config.schema.json': configSchema,
  'drift-report.schema.json': driftReportSchema,
  'readiness-criteria.schema.json': readinessCriteriaSchema,
  'readiness-report.schema.json': readinessReportSchema,
  'redaction-rules.schema.json': ruleFileSchema,
  'scenarios.schema.json': scenariosSchema,
};
for (const [file, schema] of Object.entries(schemas)) {
  writeFileSync(
    new URL(`../schemas/${file}`, import.meta.url),
    `${JSON.stringify(schema, null, 2)}\n`,
  );
  console.log(`wrote schemas/${file}`);
}
