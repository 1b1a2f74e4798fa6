/**
 * `tapedeck mock schema.graphql`: loads a GraphQL schema (SDL) and answers GraphQL over HTTP with
 * deterministic mocked data. The `mock` command dispatches `.graphql`/`.gql` files here; the
 * logic lives in src/core/mock/graphql (pure); this file reads the schema through the reader
 * app/compose hands it.
 */
import { TapedeckError } from '../../core/errors.js';
import { shownPath } from '../../core/paths.js';
import {
  createGraphqlMock,
  type GraphqlMock,
  type GraphqlMockOptions,
} from '../../core/mock/graphql/mock.js';

export type { GraphqlMock, GraphqlMockOptions } from '../../core/mock/graphql/mock.js';
/** The mock for SDL text already read (tests, and `--watch` reloading a changed file). */
export { createGraphqlMock };
export type { GraphqlSummary } from '../../core/mock/graphql/schema.js';

/** File extensions the mock command treats as GraphQL SDL. */
export const GRAPHQL_EXTENSIONS: readonly string[] = ['.graphql', '.gql', '.graphqls'];

/** Whether a spec path names a GraphQL schema rather than an OpenAPI description. */
export function isGraphqlSchemaFile(file: string): boolean {
  const lower = file.toLowerCase();
  return GRAPHQL_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Where a schema file's text comes from, and the directory its name is shown relative to. */
export interface SchemaFiles {
  /** The file's text; rejects with the Node error (its `code`) when it cannot be read. */
  readText(file: string): Promise<string>;
  readonly cwd: string;
}

/** Reads a schema file and builds the mock. */
export async function loadGraphqlMock(
  file: string,
  options: GraphqlMockOptions,
  files: SchemaFiles,
): Promise<GraphqlMock> {
  const shown = shownPath(file, files.cwd);
  let sdl: string;
  try {
    sdl = await files.readText(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TapedeckError(
      'TD_SPEC_INVALID',
      `Cannot read the GraphQL schema ${shown} (${code ?? (error as Error).message}).`,
      {
        cause: error,
        details: { file: shown },
        hint:
          code === 'ENOENT'
            ? 'Check the path: `tapedeck mock` takes a GraphQL SDL file (.graphql or .gql) or an OpenAPI spec.'
            : 'Check that the file is readable.',
      },
    );
  }
  // A byte-order mark is not GraphQL: editors on Windows add one.
  return createGraphqlMock(sdl.replace(/^\uFEFF/, ''), shown, options);
}
