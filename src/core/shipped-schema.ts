/**
 * What every JSON Schema tapedeck ships (`schemas/*.json`, written by `npm run schemas`) starts
 * with. Spread first into a schema, so a regenerated file keeps its member order.
 */

/** The dialect, the `$id` the schema is published under (`file` in schemas/) and its title. */
export function shippedSchemaHead<const File extends string, const Title extends string>(
  file: File,
  title: Title,
) {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://tapedeck.dev/schemas/${file}`,
    title,
  } as const;
}

/**
 * The first members of a versioned document (a cassette, a rule file, a drift report): the
 * editor's `$schema` pointer, and the format version, 1.
 */
export const VERSION_ONE_MEMBERS = {
  $schema: { type: 'string' },
  version: { const: 1 },
} as const;
