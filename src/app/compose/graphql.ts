import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  loadGraphqlMock as loadWith,
  type GraphqlMock,
  type GraphqlMockOptions,
} from '../mock/graphql.js';

/**
 * `tapedeck mock schema.graphql`: the schema read from disk, its name shown relative to the
 * working directory.
 */
export function loadGraphqlMock(
  file: string,
  options: GraphqlMockOptions,
  cwd: string = process.cwd(),
): Promise<GraphqlMock> {
  return loadWith(resolve(cwd, file), options, {
    readText: (path) => readFile(path, 'utf8'),
    cwd: resolve(cwd),
  });
}
