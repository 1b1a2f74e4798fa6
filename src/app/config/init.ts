import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TapedeckError } from '../../core/errors.js';
import { CONFIG_FILE_NAME } from './config.js';

/**
 * The npm package tapedeck is published as (`tapedeck` on npm is someone else's package); the
 * command it installs is still `tapedeck`. A test keeps this equal to package.json's name.
 */
export const PACKAGE_NAME = 'tapedeck-proxy';

/** The starter config: every setting with its default and a line on what it does. */
export const STARTER_CONFIG = `// tapedeck configuration. JSON with comments; the schema gives your editor completion.
// Precedence: command-line flag > TAPEDECK_* environment variable > this file > built-in default.
{
  "$schema": "./node_modules/${PACKAGE_NAME}/schemas/config.schema.json",

  // Cassettes: one JSON file per flow, committed to git and reviewed in pull requests.
  "cassettes": "cassettes",
  // Redaction rule files (the built-in credential redaction always runs, even without rules).
  "redactionRules": "redaction-rules",
  // Runtime state (SQLite journal). Keep it out of git.
  "stateDir": ".tapedeck",
  // Largest request or response body tapedeck captures, in bytes.
  "maxBodyBytes": 52428800,

  "server": {
    "host": "127.0.0.1",
    "port": 8080,
    // What a request may carry before tapedeck refuses it (431, 414), and how long its head
    // and whole body may take to arrive (408). docs/limits.md lists every limit.
    "maxHeaderCount": 100,
    "maxHeaderBytes": 16384,
    "maxUrlBytes": 8192,
    "headersTimeoutMs": 10000,
    "requestTimeoutMs": 30000,
    // An idle keep-alive connection is closed after this long.
    "keepAliveTimeoutMs": 5000
  },

  "upstream": {
    // The staging API that \`tapedeck record\` forwards to (or pass --target).
    // "target": "https://staging.example.com",
    "timeoutMs": 30000,
    // When not empty, the only hosts tapedeck may contact.
    "allowedHosts": [],
    // Hosts tapedeck refuses to contact, whatever --target says: list production here.
    "forbiddenHosts": []
  },

  "record": {
    // Cassette for requests without an x-tapedeck-cassette header.
    "cassette": "default",
    // "new": answer from the cassette when it can, record the rest; "all": re-record everything.
    "mode": "new"
  },

  "replay": {
    // What a miss does: "error" (explain it), "passthrough" (forward), "record" (forward and record).
    "onMiss": "error",
    // The status of a miss: one the API never sends, so it cannot pass for a recorded answer.
    "missStatus": 599,
    // "0", "recorded", or "x2" (twice the recorded latency).
    "latency": "0",
    // Exit non-zero at shutdown if any request missed (for CI).
    "strict": false
  },

  "match": {
    // Headers that must match; all others are ignored when matching.
    "headers": [],
    // Query parameters that are not compared (cache busters, timestamps).
    "ignoreQuery": [],
    // JSON paths left out of request bodies before comparing, e.g. "$.requestId", "$..timestamp".
    "ignoreBodyPaths": []
  },

  // The admin API (/__tapedeck/*) needs this bearer token when set; prefer TAPEDECK_ADMIN_TOKEN.
  "admin": {},

  "log": { "level": "info", "format": "text" }
}
`;

export interface InitResult {
  readonly created: string[];
  readonly kept: string[];
  /** Whether the folder's package.json lists tapedeck as a dependency (so `npx tapedeck` is local). */
  readonly installed: boolean;
}

/**
 * Whether `dir/package.json` depends on tapedeck. Without it, `npx tapedeck` outside this
 * repository would fetch the unrelated npm package named `tapedeck`.
 */
export function dependsOnTapedeck(dir: string): boolean {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (pkg['name'] === PACKAGE_NAME) return true;
  return ['dependencies', 'devDependencies'].some((field) => {
    const deps = pkg[field];
    return typeof deps === 'object' && deps !== null && PACKAGE_NAME in deps;
  });
}

/** Writes the starter config, the cassettes and rule folders, and ignores the state folder in git. */
export function initProject(dir: string, force: boolean): InitResult {
  const created: string[] = [];
  const kept: string[] = [];
  const show = (p: string) => relative(dir, p) || '.';
  const configFile = join(dir, CONFIG_FILE_NAME);
  if (existsSync(configFile) && !force) {
    kept.push(show(configFile));
  } else {
    writeFileSync(configFile, STARTER_CONFIG);
    created.push(show(configFile));
  }
  for (const folder of ['cassettes', 'redaction-rules']) {
    const path = join(dir, folder);
    if (existsSync(path)) {
      kept.push(`${show(path)}/`);
      continue;
    }
    mkdirSync(path, { recursive: true });
    if (folder === 'redaction-rules') {
      // Start from the defaults tapedeck ships; people add their own files beside it.
      copyFileSync(
        new URL('../../../redaction-rules/default.json', import.meta.url),
        join(path, 'default.json'),
      );
      created.push(`${show(path)}/default.json`);
    } else {
      writeFileSync(join(path, '.gitkeep'), '');
      created.push(`${show(path)}/`);
    }
  }
  const gitignore = join(dir, '.gitignore');
  let ignored = '';
  try {
    ignored = readFileSync(gitignore, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TapedeckError('TD_USAGE', `Cannot read ${gitignore}: ${(error as Error).message}.`);
    }
  }
  if (!/^\/?\.tapedeck\/?$/m.test(ignored)) {
    writeFileSync(
      gitignore,
      `${ignored}${ignored === '' || ignored.endsWith('\n') ? '' : '\n'}.tapedeck/\n`,
    );
    created.push('.gitignore entry for .tapedeck/');
  }
  return { created, kept, installed: dependsOnTapedeck(dir) };
}
