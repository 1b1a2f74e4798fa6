/**
 * The public face of redaction: `Redactor` runs one pass over an interaction (pass.ts and the
 * files it names, one per concern) and answers the replay fast lane's questions.
 */
import type { HeaderMap, Interaction, RecordedRequest } from '../cassette/model.js';
import { valuesOf } from '../cassette/model.js';
import { BASE64ISH } from './bodies.js';
import { isSecretField, isSecretName, MAYBE_SECRET } from './detectors.js';
import { CREDENTIAL_HEADERS } from './headers.js';
import { Pass, type PassSetup } from './pass.js';
import type { LearnedValues } from './learned.js';
import {
  KEY_ID_TEXT,
  pseudonymize,
  pseudonymOfHash,
  SHAPES,
  type KeyedHash,
  type Shape,
} from './pseudonym.js';
import { SecretRegistry } from './registry.js';
import { ruleAppliesTo, ruleNameMatches, type CompiledRule } from './rules.js';
import { trackRequest, trackResponse } from './tracking.js';

/** What redaction changed: where, and by which rule. Never the value. */
export interface RedactionFinding {
  /** e.g. `request.headers.authorization`, `response.body`, `request.query.api_key`. */
  readonly location: string;
  readonly rule: string;
}

export interface RedactionResult<T> {
  readonly value: T;
  readonly findings: readonly RedactionFinding[];
  /** How many values of the request were recognized as learned while recording (replay). */
  readonly learned?: number;
}

export interface RedactorOptions {
  readonly rules: readonly CompiledRule[];
  readonly hash: KeyedHash;
  /** Built-in detector ids turned off in config (`redaction.disable`). */
  readonly disabled?: ReadonlySet<string>;
}

/**
 * The redaction engine. One pass over an interaction, in memory, before anything is written:
 *
 * 1. every location is checked by the rules and the built-in detectors; what they find is
 *    removed, masked or pseudonymized where it stands, and remembered in the registry;
 * 2. every string of the interaction is then searched for every remembered secret in every
 *    encoding (raw, URL-encoded, base64, hex, JSON-escaped) and gets the same replacement.
 *
 * The registry outlives the interaction (the recorder keeps one per cassette), so a token
 * issued in one response is replaced in every later request that uses it.
 */
export class Redactor {
  private readonly setup: PassSetup;
  /** No rule looks at paths or query parameters: what `clean` answers is then the whole story. */
  private readonly noPathOrQueryRules: boolean;

  private readonly hash: KeyedHash;
  /** Keyed hashes `pseudonymsOf` computed: replay asks about the same values on every request. */
  private readonly hashes = new Map<string, Uint8Array>();

  constructor(options: RedactorOptions) {
    this.hash = options.hash;
    // Clients send the same token on every request: its pseudonym is computed once (HMAC is the
    // costliest step of redacting a request). Bounded, and in memory only.
    const pseudonyms = new Map<string, string>();
    this.setup = {
      rules: options.rules,
      disabled: options.disabled ?? new Set(),
      pseudonymOf: (value, shape) => {
        const id = `${shape ?? ''}\u0000${value}`;
        let p = pseudonyms.get(id);
        if (p === undefined) {
          p = pseudonymize(value, options.hash, shape);
          if (pseudonyms.size >= 10_000) pseudonyms.clear();
          pseudonyms.set(id, p);
        }
        return p;
      },
    };
    this.noPathOrQueryRules = !options.rules.some(
      (r) => r.target === 'path' || r.target === 'query',
    );
  }

  /**
   * True when redacting `text` — a path, or a query parameter name or value (with its `name`) —
   * could change nothing: no rule looks there, no detector's prefix is in it, no secret name
   * covers it. The replay fast lane relies on this to skip building the redacted request.
   */
  clean(text: string, name?: string): boolean {
    if (!this.noPathOrQueryRules) return false;
    if (text.length >= 6 && MAYBE_SECRET.test(text)) return false;
    // What the pass looks at one layer down (JSON or base64 inside the value) is not clean.
    if (text.length >= 8 && (text.includes('{') || text.includes('[') || BASE64ISH.test(text)))
      return false;
    return name === undefined || !isSecretField(name, text);
  }

  /** Does a header or cookie rule for requests look at this header? */
  private headerRuleNames(name: string): boolean {
    for (const rule of this.setup.rules) {
      if (!ruleAppliesTo(rule, 'request')) continue;
      if (rule.target === 'header' && ruleNameMatches(rule, name)) return true;
      if (rule.target === 'cookie' && name === 'cookie') return true;
    }
    return false;
  }

  /**
   * Would redacting these headers find a secret that also occurs in one of `texts` (value
   * tracking replaces it there)? Header-only pass; false at once when no header could hold one.
   */
  headerSecretIn(headers: HeaderMap, texts: readonly string[]): boolean {
    let dirty = false;
    for (const name in headers) {
      if (CREDENTIAL_HEADERS.has(name) || isSecretName(name) || this.headerRuleNames(name)) {
        dirty = true;
        break;
      }
      for (const v of valuesOf(headers[name])) {
        if (v.length >= 6 && MAYBE_SECRET.test(v)) dirty = true;
      }
      if (dirty) break;
    }
    if (!dirty) return false;
    const registry = new SecretRegistry();
    new Pass(this.setup, registry).request({
      method: 'GET',
      path: '/',
      query: {},
      headers,
    });
    return texts.some((t) => registry.foundIn(t));
  }

  /** Identifies the key (`meta.keyId`): the pseudonym of a fixed text, which reveals nothing. */
  keyId(): string {
    return pseudonymize(KEY_ID_TEXT, this.hash, 'token');
  }

  /**
   * The pseudonyms `value` would be given under this key in each of `shapes` (a rule may name a
   * shape): one HMAC, kept. Replay compares them with the pseudonyms recordings hold.
   */
  readonly pseudonymsOf = (value: string, shapes: readonly Shape[] = SHAPES): string[] => {
    let h = this.hashes.get(value);
    if (h === undefined) {
      h = this.hash(value);
      if (this.hashes.size >= 10_000) this.hashes.clear();
      this.hashes.set(value, h);
    }
    const out: string[] = [];
    for (const shape of shapes) out.push(pseudonymOfHash(value, h, shape));
    return out;
  };

  get rules(): readonly CompiledRule[] {
    return this.setup.rules;
  }

  redactInteraction(
    interaction: Interaction,
    registry: SecretRegistry = new SecretRegistry(),
  ): RedactionResult<Interaction> {
    const pass = new Pass(this.setup, registry);
    const request = pass.request(interaction.request);
    const response = pass.response(interaction.response);
    const value: Interaction = {
      ...interaction,
      request: trackRequest(pass, request),
      response: trackResponse(pass, response),
    };
    return { value, findings: pass.reported() };
  }

  /**
   * The request half alone: replay redacts incoming requests before matching them. With
   * `learned` (the pseudonyms the loaded recordings hold), a value whose pseudonym under this
   * key is one of them is a secret here too, as it was for the recorder that learned it from an
   * earlier answer: the identical request redacts to the identical recording (learned.ts).
   */
  redactRequest(
    request: RecordedRequest,
    registry: SecretRegistry = new SecretRegistry(),
    learned?: LearnedValues,
  ): RedactionResult<RecordedRequest> {
    const pass = new Pass(this.setup, registry);
    const redacted = pass.request(request);
    const count = learned?.learn(redacted, registry, this.pseudonymsOf) ?? 0;
    return {
      value: trackRequest(pass, redacted),
      findings: pass.reported(),
      ...(count === 0 ? {} : { learned: count }),
    };
  }
}
