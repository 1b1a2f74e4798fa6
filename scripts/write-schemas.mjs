// Writes schemas/*.json from the schema constants in the built code (npm run schemas).
// test/unit/schemas.test.ts fails when the shipped files and the constants disagree.
import { writeFileSync } from 'node:fs';
import { cassetteSchemaV1, configSchema } from '../dist/index.js';

writeFileSync(
  new URL('../schemas/cassette-v1.schema.json', import.meta.url),
  `${JSON.stringify(cassetteSchemaV1, null, 2)}\n`,
);
writeFileSync(
  new URL('../schemas/config.schema.json', import.meta.url),
  `${JSON.stringify(configSchema, null, 2)}\n`,
);
console.log('wrote schemas/cassette-v1.schema.json and schemas/config.schema.json');
