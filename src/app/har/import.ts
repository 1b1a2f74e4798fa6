import type { Interaction } from '../../core/cassette/model.js';
import { checkCassetteName } from '../../core/cassette/name.js';
import { TapedeckError } from '../../core/errors.js';
import { harToInteractions, parseHar, type HarSkipReason } from '../../core/har/from-har.js';
import type { BodyCodec, CassetteStore } from '../../core/ports/index.js';
import { SecretRegistry } from '../../core/redaction/registry.js';
import { recordableHeaders } from '../pipeline/request.js';
import { scanRedacted, type RedactionSetup } from '../redaction/setup.js';
import { stripHopByHop } from '../../core/http/index.js';
import { CASSETTE_VERSION } from '../../core/cassette/model.js';

export interface HarImportInput {
  /** The HAR file as given on the command line: named in errors and the report. */
  readonly file: string;
  readonly text: string;
  /** `--cassette`; otherwise the cassette a tapedeck export named, else `defaultName`. */
  readonly cassette?: string;
  /** The HAR file's name without its extension, checked as a cassette name by the caller. */
  readonly defaultName: string;
  readonly store: CassetteStore;
  readonly codec: BodyCodec;
  /**
   * Loaded only once the HAR has parsed and converted: loading may create the pseudonymization
   * key, which a malformed file should not leave behind.
   */
  readonly redaction: () => RedactionSetup;
  readonly maxBodyBytes: number;
  readonly recordedWith: string;
}

export type HarImportSkipReason = HarSkipReason | 'secret';

export interface HarImportSkip {
  /** Position in the HAR's `log.entries`. */
  readonly entry: number;
  readonly method: string;
  /** Origin only, as `https://host/…`: a path or query may hold a secret (see shownUrl). */
  readonly url: string;
  readonly reason: HarImportSkipReason;
  readonly detail: string;
}

export interface HarImportReport {
  readonly file: string;
  readonly entries: number;
  readonly cassettes: readonly {
    readonly name: string;
    readonly target: string;
    readonly interactions: number;
  }[];
  readonly skipped: readonly HarImportSkip[];
}

/** `api.example.com_8443`: an origin as one cassette-name segment. */
function originSegment(origin: string): string {
  const url = new URL(origin);
  return `${url.hostname.replace(/^\[|\]$/g, '').replace(/[^A-Za-z0-9._-]/g, '_')}${url.port === '' ? '' : `_${url.port}`}`;
}

/**
 * A URL safe to print: the origin and `/…`, nothing of the path or the query. A skipped entry
 * never reaches the cassette, but the report reaches a terminal and CI logs, and a path can
 * carry a secret that only another entry (a Set-Cookie, a login response) shows to be one, or
 * that the scanner flagged after redaction. The entry index and method say which entry it is.
 */
function shownUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(unparseable URL)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol}…`;
  return `${url.origin}/…`;
}

/**
 * `tapedeck import har`: a HAR file into cassettes, through the recorder's door to disk — the
 * same redactor (rules, detectors, value tracking with one registry per cassette, in the
 * HAR's order) and the same scanner, which keeps anything that still looks secret off disk. The
 * raw HAR stays in memory. Existing cassettes are never overwritten or appended to: an import
 * is one recording session, and mixing it into another would double its interactions.
 */
export async function importHar(input: HarImportInput): Promise<HarImportReport> {
  const { store } = input;
  const har = parseHar(input.text, input.file);
  // Conversion needs no redaction and can still refuse the file (a method, base64 or date the
  // schema lets through): it runs first, so a refused HAR leaves no key behind.
  const { imported, skipped: notHttp } = harToInteractions(har, input.codec, {
    file: input.file,
    maxBodyBytes: input.maxBodyBytes,
  });
  const redaction = input.redaction();
  const skipped: HarImportSkip[] = notHttp.map((s) => ({
    entry: s.index,
    method: s.method,
    url: shownUrl(s.url),
    reason: s.reason,
    detail: s.detail,
  }));

  const origins = [...new Set(imported.map((i) => i.origin))];
  const nameFor = (origin: string, exported: string | undefined): string => {
    const base = input.cassette ?? exported ?? input.defaultName;
    // Several origins cannot share one cassette: it has one target to replay and drift against.
    const name =
      origins.length > 1 && (input.cassette !== undefined || exported === undefined)
        ? `${base}/${originSegment(origin)}`
        : base;
    return checkCassetteName(
      name,
      exported !== undefined && input.cassette === undefined
        ? 'cassette name in the HAR (_tapedeck.cassette)'
        : 'cassette name',
    );
  };

  const groups = new Map<
    string,
    { target: string; raw: { entry: number; interaction: Interaction }[] }
  >();
  for (const item of imported) {
    let name = nameFor(item.origin, item.cassette);
    // A hand-edited export can name one cassette for two origins: the second gets its own.
    if (groups.has(name) && groups.get(name)!.target !== item.origin)
      name = checkCassetteName(`${name}/${originSegment(item.origin)}`);
    let group = groups.get(name);
    if (group === undefined) {
      group = { target: item.origin, raw: [] };
      groups.set(name, group);
    }
    group.raw.push({ entry: item.index, interaction: item.interaction });
  }

  for (const name of groups.keys()) {
    if ((await store.load(name)) !== undefined) {
      throw new TapedeckError(
        'TD_USAGE',
        `Cassette ${name} already exists; an import never overwrites or appends to a cassette.`,
        {
          details: { cassette: name },
          hint: 'Pass --cassette NAME with a new name, or delete the cassette file first (git keeps the old one).',
        },
      );
    }
  }

  const cassettes: { name: string; target: string; interactions: number }[] = [];
  for (const [name, group] of groups) {
    const registry = new SecretRegistry();
    const raws = group.raw.map(({ entry, interaction }) => ({
      entry,
      raw: recordable(interaction),
    }));
    // Record sees a session in time order and can only redact a secret once it has seen it
    // used; a HAR is the whole session at once. A first pass teaches the registry every secret
    // of the cassette (a token sent in a later Authorization header is then redacted where an
    // earlier page or script carried it too); the second pass is what is written.
    for (const { raw } of raws) redaction.redactor.redactInteraction(raw, registry);
    const kept: Interaction[] = [];
    for (const { entry, raw } of raws) {
      const { value } = redaction.redactor.redactInteraction(raw, registry);
      const leaks = scanRedacted(redaction, value, registry);
      if (leaks.length > 0) {
        skipped.push({
          entry,
          method: value.request.method,
          url: shownUrl(group.target),
          reason: 'secret',
          detail: `still looks secret after redaction at ${leaks.map((l) => `${l.pointer} (${l.rule})`).join(', ')}: add a rule for it (docs/redaction.md)`,
        });
        continue;
      }
      kept.push(value);
    }
    if (kept.length === 0) continue;
    await store.update(name, () => ({
      version: CASSETTE_VERSION,
      meta: { recordedWith: input.recordedWith, target: group.target },
      interactions: kept,
    }));
    cassettes.push({ name, target: group.target, interactions: kept.length });
  }
  skipped.sort((a, b) => a.entry - b.entry);
  return { file: input.file, entries: har.log.entries.length, cassettes, skipped };
}

/** What record keeps of a request and a response: the hop to the server is not the call. */
function recordable(interaction: Interaction): Interaction {
  return {
    ...interaction,
    request: { ...interaction.request, headers: recordableHeaders(interaction.request.headers) },
    response: {
      ...interaction.response,
      headers: withoutDerivedLength(
        stripHopByHop(interaction.response.headers),
        interaction.response.body !== undefined,
      ),
    },
  };
}

/** Record drops content-length when it keeps a body (replay derives it); so does an import. */
function withoutDerivedLength(headers: Interaction['response']['headers'], hasBody: boolean) {
  if (!hasBody) return headers;
  const { ['content-length']: _length, ...rest } = headers;
  return rest;
}
