/**
 * The composition of `tapedeck import har` and `tapedeck export har`: the HAR file on disk, the
 * cassette store, the body codec and, for an import, the recorder's redaction setup (its key
 * must last: pseudonyms reach disk).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { writeFileAtomic } from '../../adapters/cassettes/fs-atomic.js';
import { NodeBodyCodec } from '../../adapters/http/body-codec.js';
import { TapedeckError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/index.js';
import type { TapedeckConfig } from '../config/config.js';
import { exportHar } from '../har/export.js';
import { importHar, type HarImportReport } from '../har/import.js';
import { VERSION } from '../version.js';
import { cassetteStore, loadRedaction } from './common.js';

/** A cassette name from a file name: `Session 2 (prod).har` → `Session_2_prod_`. */
function nameFromFile(file: string): string {
  const stem = basename(file, extname(file))
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '');
  return stem === '' ? 'har' : stem.slice(0, 200);
}

export async function composeImportHar(
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  options: { readonly file: string; readonly cwd: string; readonly cassette?: string },
): Promise<HarImportReport> {
  let text: string;
  try {
    text = await readFile(resolve(options.cwd, options.file), 'utf8');
  } catch (cause) {
    throw new TapedeckError(
      'TD_USAGE',
      `Cannot read the HAR file ${options.file}: ${(cause as Error).message}.`,
      {
        cause,
        details: { file: options.file },
        hint: 'Pass the path of a .har file saved from the browser devtools or a proxy.',
      },
    );
  }
  return importHar({
    file: options.file,
    text,
    ...(options.cassette === undefined ? {} : { cassette: options.cassette }),
    defaultName: nameFromFile(options.file),
    store: cassetteStore(config.cassettes, false),
    codec: new NodeBodyCodec({ maxDecodedBytes: config.maxBodyBytes }),
    redaction: () => loadRedaction(config, env, logger, true),
    maxBodyBytes: config.maxBodyBytes,
    recordedWith: `tapedeck ${VERSION}`,
  });
}

/** The HAR as text; written atomically to `out` when given. */
export async function composeExportHar(
  config: TapedeckConfig,
  options: { readonly cassettes: readonly string[]; readonly out?: string; readonly cwd: string },
): Promise<{ text: string; cassettes: number; interactions: number; out?: string }> {
  const { har, cassettes, interactions } = await exportHar({
    store: cassetteStore(config.cassettes, true),
    codec: new NodeBodyCodec({ maxDecodedBytes: config.maxBodyBytes }),
    cassettes: options.cassettes,
    version: VERSION,
  });
  const text = `${JSON.stringify(har, null, 2)}\n`;
  if (options.out === undefined) return { text, cassettes, interactions };
  const out = resolve(options.cwd, options.out);
  try {
    await writeFileAtomic(out, text);
  } catch (cause) {
    throw new TapedeckError(
      'TD_CASSETTE_WRITE_FAILED',
      `Cannot write ${options.out}: ${(cause as Error).message}.`,
      {
        cause,
        details: { file: options.out },
      },
    );
  }
  return { text, cassettes, interactions, out: options.out };
}
