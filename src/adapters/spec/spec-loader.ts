import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { TapedeckError } from '../../core/errors.js';
import { decodePercentStrict } from '../../core/http/percent.js';
import { escapePointerToken, resolveLocalRef } from '../../core/json.js';
import type { LoadedSpec } from '../../core/mock/openapi/operations.js';
import { detectDialect } from '../../core/mock/openapi/schema.js';
import { shownPath } from '../system/paths.js';

/**
 * Reads an OpenAPI 3.0/3.1 or Swagger 2.0 description (JSON or YAML, split over local files
 * with relative `$ref`s) into one bundled document whose `$ref`s are all local. Remote refs are
 * never followed (`resolve.http: false`): a mock and a contract check must not depend on the
 * network, and a spec should not make tapedeck fetch URLs it names.
 */
export interface SpecLoadOptions {
  /** Check the document against the OpenAPI/Swagger schema too (default true). */
  readonly validate?: boolean;
}

interface ParserErrorLike {
  readonly code?: string;
  readonly message: string;
  readonly source?: string;
  readonly targetRef?: string;
  readonly details?: readonly { instancePath?: string; message?: string; params?: unknown }[];
  readonly errors?: readonly ParserErrorLike[];
}

/** Every `$ref` in a document: [pointer of the `$ref` member, its value]. */
function collectRefs(document: unknown): [string, string][] {
  const out: [string, string][] = [];
  const walk = (node: unknown, at: string): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, `${at}/${i}`));
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      const here = `${at}/${escapePointerToken(key)}`;
      if (key === '$ref' && typeof child === 'string') out.push([here, child]);
      else walk(child, here);
    }
  };
  walk(document, '');
  return out;
}

/** The pointer of the first `$ref` in `document` whose value is `ref`. */
function findRef(document: unknown, ref: string, at = ''): string | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  if (!Array.isArray(document) && (document as Record<string, unknown>)['$ref'] === ref)
    return `${at}/$ref`;
  for (const [key, child] of Object.entries(document)) {
    const found = findRef(child, ref, `${at}/${escapePointerToken(key)}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function invalid(
  file: string,
  message: string,
  pointer: string | undefined,
  hint: string,
  cause?: unknown,
): TapedeckError {
  return new TapedeckError('TD_SPEC_INVALID', message, {
    ...(cause === undefined ? {} : { cause }),
    details: { file, ...(pointer === undefined ? {} : { pointer }) },
    hint,
  });
}

/** Turns json-schema-ref-parser and swagger-parser errors into TD_SPEC_INVALID with a place. */
function describeLoadError(file: string, error: unknown, parser: SwaggerParser): TapedeckError {
  const e = error as ParserErrorLike;
  const source = e.source === undefined ? shownPath(file) : shownPath(e.source.split('#')[0]!);
  switch (e.code ?? '') {
    case 'EPARSER':
      return invalid(
        source,
        `Spec ${source} does not parse: ${e.message.replace(/^Error parsing [^:]+: /, '')}`,
        undefined,
        'Fix the YAML/JSON syntax at the line shown.',
        error,
      );
    case 'EMISSINGPOINTER':
    case 'EINVALIDPOINTER': {
      let pointer: string | undefined;
      try {
        const doc: unknown = e.source ? parser.$refs.get(e.source.split('#')[0]!) : undefined;
        pointer = e.targetRef ? findRef(doc, e.targetRef) : undefined;
      } catch {
        pointer = undefined;
      }
      return invalid(
        source,
        `Spec ${source}${pointer === undefined ? '' : ` at ${pointer}`}: ${e.message}`,
        pointer,
        'Point the $ref at something that exists (a typo in the name is the usual cause).',
        error,
      );
    }
    case 'ERESOLVER':
    case 'EUNMATCHEDRESOLVER':
      return invalid(
        source,
        `Spec ${source}: a $ref cannot be resolved: ${e.message}`,
        undefined,
        'Only local files are read (never http(s) URLs, by design): download a remote file next to the spec and $ref it by relative path.',
        error,
      );
    default:
      if (/Unable to resolve \$ref pointer "https?:/i.test(e.message)) {
        const ref = /"([^"]+)"/.exec(e.message)?.[1] ?? '';
        let pointer: string | undefined;
        try {
          pointer =
            findRef(parser.$refs.get(file), ref) ?? findRef(parser.$refs.get(file), `${ref}#`);
        } catch {
          pointer = undefined;
        }
        return invalid(
          shownPath(file),
          `Spec ${shownPath(file)}${pointer === undefined ? '' : ` at ${pointer}`}: ${e.message}.`,
          pointer,
          'Remote $refs are never followed (never http(s)): download the file next to the spec and $ref it by relative path.',
          error,
        );
      }
      if (/Unsupported (OpenAPI|Swagger) version|not a valid (OpenAPI|Swagger)/i.test(e.message)) {
        return invalid(
          shownPath(file),
          `Spec ${shownPath(file)} at /openapi: not an OpenAPI 3.0/3.1 or Swagger 2.0 description (${e.message.replace(/^.*?(is not a valid|Unsupported)/i, (_m, w: string) => w.toLowerCase())}).`,
          '/openapi',
          'Set "openapi: 3.0.3", "openapi: 3.1.0" or "swagger: \'2.0\'" at the top level.',
          error,
        );
      }
      return invalid(
        shownPath(file),
        `Spec ${shownPath(file)} cannot be loaded: ${e.message}`,
        undefined,
        'Check that the file is an OpenAPI 3.x or Swagger 2.0 description.',
        error,
      );
  }
}

/**
 * The main file's `$ref`s that leave it, checked before the bundler runs, so the error names
 * this file and the pointer of the `$ref` (the bundler's own errors name only the target): a
 * remote one is refused without any connection being attempted, and a missing file is named
 * with the place that wants it.
 */
function checkExternalRefs(file: string, shown: string, refs: readonly [string, string][]): void {
  for (const [pointer, ref] of refs) {
    if (ref.startsWith('#')) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(ref) && !/^file:/i.test(ref)) {
      throw invalid(
        shown,
        `Spec ${shown} at ${pointer}: the $ref "${ref.split('#')[0]!}" is remote, and remote $refs are never followed.`,
        pointer,
        'Remote $refs are never followed (never http(s)): download the file next to the spec and $ref it by relative path.',
      );
    }
    const target = ref.split('#')[0]!;
    // A path whose escapes are malformed is not checked here: the bundler meets it next.
    const decoded = decodePercentStrict(target.replace(/^file:\/\//i, ''));
    if (decoded === undefined) continue;
    const path = resolve(dirname(file), decoded);
    if (!existsSync(path)) {
      throw invalid(
        shown,
        `Spec ${shown} at ${pointer}: the $ref names ${target}, which does not exist (looked for ${shownPath(path)}).`,
        pointer,
        'Fix the path in the $ref (it is relative to the file that holds it), or create the file.',
      );
    }
  }
}

/** Loads and bundles a spec file. Throws TD_SPEC_INVALID naming the file and the JSON pointer. */
export async function loadSpecFile(
  specFile: string,
  options: SpecLoadOptions = {},
): Promise<LoadedSpec> {
  const file = resolve(specFile);
  const shown = shownPath(file);
  const parser = new SwaggerParser();
  let document: object;
  let single = false;
  try {
    // Most specs are one file. Parsing alone is ~10x faster than bundling on a 4 MB spec (the
    // bundler re-parses every pointer it meets), so bundle only when a $ref leaves the file.
    const parsed: object = await parser.parse(file, { resolve: { http: false, external: false } });
    const refs = collectRefs(parsed);
    checkExternalRefs(file, shown, refs);
    if (refs.some(([, ref]) => !ref.startsWith('#'))) {
      document = await parser.bundle(file, {
        resolve: { http: false, external: true },
      });
    } else {
      for (const [pointer, ref] of refs) {
        if (resolveLocalRef(parsed, ref) === undefined) {
          throw invalid(
            shown,
            `Spec ${shown} at ${pointer}: Missing $ref pointer "${ref}".`,
            pointer,
            'Point the $ref at something that exists (a typo in the name is the usual cause).',
          );
        }
      }
      document = parsed;
      single = true;
    }
  } catch (error) {
    if (error instanceof TapedeckError) throw error;
    const missing = (error as { ioErrorCode?: string }).ioErrorCode === 'ENOENT';
    if (missing && (error as ParserErrorLike).source?.split('#')[0] === file) {
      throw invalid(
        shown,
        `Spec ${shown} does not exist.`,
        undefined,
        'Check the path given to --spec or `tapedeck mock`.',
        error,
      );
    }
    throw describeLoadError(file, error, parser);
  }
  const dialect = detectDialect(document);
  if (dialect === undefined) {
    const record = document as Record<string, unknown>;
    const pointer = 'openapi' in record ? '/openapi' : 'swagger' in record ? '/swagger' : '';
    throw invalid(
      shown,
      `Spec ${shown}${pointer === '' ? '' : ` at ${pointer}`}: not an OpenAPI 3.0/3.1 or Swagger 2.0 description (found ${pointer === '' ? 'neither "openapi" nor "swagger"' : JSON.stringify(record[pointer.slice(1)])}).`,
      pointer,
      'Set "openapi: 3.0.3", "openapi: 3.1.0" or "swagger: \'2.0\'" at the top level.',
    );
  }
  if (options.validate !== false) {
    try {
      await SwaggerParser.validate(structuredClone(document) as never, {
        resolve: { http: false, external: false },
      });
    } catch (error) {
      const details = (error as ParserErrorLike).details ?? [];
      const lines = details
        .filter((d) => typeof d.instancePath === 'string')
        .slice(0, 20)
        .map(
          (d) =>
            `  - ${d.instancePath === '' ? '(top level)' : d.instancePath}: ${d.message ?? 'is invalid'}`,
        );
      const first = details.find((d) => typeof d.instancePath === 'string')?.instancePath;
      const message =
        lines.length > 0
          ? `Spec ${shown} is not a valid ${dialect} description:\n${lines.join('\n')}`
          : `Spec ${shown} is not a valid ${dialect} description: ${(error as Error).message}`;
      throw invalid(
        shown,
        message,
        first,
        'Fix the places listed (the pointers are into the bundled document: the main file, with referenced files inlined where they are used).',
        error,
      );
    }
  }
  const files = single ? [file] : parser.$refs.paths('file').map((p) => resolve(p));
  return { file, document, dialect, files: files.length > 0 ? files : [file] };
}

/**
 * Calls `onChange` (debounced) when any of the files changes. Folders are watched rather than
 * files, because editors save by writing a new file and renaming it over the old one, which a
 * watch on the file itself would lose. Returns a function that stops watching; with `flush`, a
 * change still waiting for its debounce is reported at once rather than dropped.
 */
export function watchFiles(
  files: readonly string[],
  onChange: () => void,
  debounceMs = 100,
): (flush?: boolean) => void {
  const byFolder = new Map<string, Set<string>>();
  for (const file of files) {
    const folder = dirname(file);
    let names = byFolder.get(folder);
    if (!names) byFolder.set(folder, (names = new Set()));
    names.add(basename(file));
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const [folder, names] of byFolder) {
    try {
      const watcher = watch(folder, (_event, name) => {
        if (name !== null && !names.has(basename(String(name)))) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          onChange();
        }, debounceMs);
      });
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // A folder that vanished: nothing to watch there until the next good load.
    }
  }
  return (flush = false) => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
      // A change that landed while a reload was reading the files must not be lost.
      if (flush) onChange();
    }
    for (const watcher of watchers) watcher.close();
  };
}
