/**
 * One function shapes every made-up answer of the sandbox (401, 404, 409, 429, …): the profile's
 * template when it has one, else the spec's documented error for the status (the existing
 * `shapeError`), else RFC 9457 problem+json. Used by the tenant, limits, idempotency and state
 * layers alike, so a 404 and a 401 of one sandbox always speak the same way.
 *
 * Nothing a client sent is ever interpolated: messages take tapedeck's own facts, ids only when
 * they have the type's id shape, an idempotency key only when it is a plain token, and any value
 * that looks like a credential is left out.
 */
import { HEADER_LAYER } from '../../http/index.js';
import { problemReply, problemType } from '../../http/problem.js';
import type { JsonValue } from '../../json.js';
import { generateValue } from '../../mock/generate/generate.js';
import { seededRng } from '../../mock/generate/random.js';
import type { CompiledSpec } from '../../mock/openapi/compiled.js';
import {
  shapeError,
  type ErrorFacts,
  type ErrorKind as ShapeKind,
} from '../../mock/openapi/error-shape.js';
import type { SpecOperation, SpecResponse } from '../../mock/openapi/operations.js';
import { documentedError, documentedErrorFor, hasJsonSchema } from '../../mock/openapi/refusals.js';
import { SpecValues } from '../../mock/openapi/values.js';
import type { LayerName } from '../../pipeline.js';
import type { SimpleReply } from '../../ports/index.js';
import { LIVE_KEY_DETECTORS } from '../../redaction/detectors.js';
import { matchesShape } from '../state/ids.js';
import type { IdShape } from '../state/model.js';
import type { ApiProfile, ErrorKind } from './types.js';

/**
 * What a layer knows about a refusal. Nothing here may be a credential or raw request text:
 * `values` are tapedeck's own facts (a type's object name, a state, a quota and its limit, a
 * redacted path) and ids, which are named only when they match `idShape`.
 */
export interface ErrorFactsIn {
  readonly kind: ErrorKind;
  /**
   * Placeholder values for the kind's message (`{object}`, `{id}`, `{state}`, `{quota}`,
   * `{limit}`, `{key}`, `{firstPath}`, `{path}`); a placeholder without a value is left out of
   * the message with its quotes and separator ("No such customer").
   */
  readonly values?: Readonly<Record<string, string | number>>;
  /** `{id}` is named only when it matches this shape (and is a plain token in any case). */
  readonly idShape?: IdShape;
  /** Replaces the kind's code (a lifecycle's `forbidden.code`). */
  readonly code?: string;
  /** Replaces the kind's message template (a lifecycle's `forbidden.message`). */
  readonly message?: string;
  /** The request field at fault (`payment_method`), a name the model knows, never a value. */
  readonly param?: string;
  /** Replaces the kind's status (`forbidden: { documented: 400 }`). */
  readonly status?: number;
  /** Replaces the kind's `type` (a scenario's `card_error`). */
  readonly type?: string;
  /**
   * Fields added beside the message (issue 14's scenario errors: Stripe's `decline_code`, the
   * object under `payment_intent`): tapedeck's own catalogue values, never request text.
   */
  readonly extra?: Readonly<Record<string, JsonValue>>;
  /** The routed operation: its documented error is preferred to the spec-wide one. */
  readonly operation?: SpecOperation;
  /** Extra headers (`Retry-After`), after content-type and the layer/error headers. */
  readonly headers?: readonly (readonly [string, string])[];
}

export interface ProfileErrors {
  reply(facts: ErrorFactsIn, layer: LayerName): SimpleReply;
}

/** The header naming the kind of a made-up answer (`x-tapedeck-error: not-found`). */
export const HEADER_ERROR = 'x-tapedeck-error';

const TITLES: Readonly<Record<ErrorKind, string>> = {
  unauthorized: 'Unauthorized',
  'live-key': 'Live key refused',
  'admin-token': 'Admin token refused',
  'key-in-query': 'API key in the URL',
  'not-found': 'Not found',
  'reference-missing': 'Referenced object not found',
  'invalid-transition': 'Not allowed in the current state',
  conflict: 'Conflict',
  'idempotency-mismatch': 'Idempotency key reused with other parameters',
  'idempotency-endpoint': 'Idempotency key reused on another endpoint',
  'idempotency-in-flight': 'Idempotency key in use',
  'idempotency-key-invalid': 'Invalid idempotency key',
  quota: 'Quota exceeded',
  'rate-limited': 'Too many requests',
  'server-error': 'Internal server error',
};

/** What a kind is to error-shape.ts, which picks `type`/`code` enum members by it. */
const SHAPE_KINDS: Readonly<Record<ErrorKind, ShapeKind>> = {
  unauthorized: 'unauthorized',
  'live-key': 'unauthorized',
  'admin-token': 'unauthorized',
  'key-in-query': 'invalid',
  'not-found': 'not-found',
  'reference-missing': 'not-found',
  'invalid-transition': 'invalid',
  conflict: 'invalid',
  'idempotency-mismatch': 'invalid',
  'idempotency-endpoint': 'invalid',
  'idempotency-in-flight': 'invalid',
  'idempotency-key-invalid': 'invalid',
  quota: 'invalid',
  'rate-limited': 'invalid',
  'server-error': 'invalid',
};

/** The message of a kind whose template is only `{message}` and got none. */
const FALLBACK_TRANSITION = 'This {object} cannot do that in its current state ({state}).';

/** A plain id: what a type's id field can hold; anything else is never echoed. */
const PLAIN_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
/** An idempotency key is named (quoted) only when it is a plain token (§4). */
const PLAIN_KEY = /^[A-Za-z0-9_.:-]{1,255}$/;
/** The built-in shapes of live credentials (AWS, GitHub, Slack, live payment keys), anywhere. */
const BUILTIN_LIVE: readonly RegExp[] = LIVE_KEY_DETECTORS.map(
  (d) => new RegExp(d.pattern.source, d.pattern.flags.replace(/[gy]/g, '')),
);
/** What separates the words of a fact (path segments, query pairs, quoted names). */
const WORD_BREAK = /[^A-Za-z0-9_.+-]+/;
/** Longest fact interpolated; paths and names past it are clipped. */
const MAX_FACT = 200;

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;
const WHOLE_PLACEHOLDER = /^\{([A-Za-z][A-Za-z0-9_]*)\}$/;

type Facts = ReadonlyMap<string, JsonValue>;

/**
 * A message with its placeholders filled; an absent one goes with the quotes around it and the
 * `: `/space before it, so "No such {object}: '{id}'" without an id reads "No such customer".
 */
export function fillMessage(text: string, facts: Facts): string {
  const filled = text.replace(
    /(:\s*|\s+)?(['"‘“(]?)\{([A-Za-z][A-Za-z0-9_]*)\}(['"’”)]?)/g,
    (_whole, lead: string | undefined, open: string, name: string, close: string) => {
      const value = facts.get(name);
      if (value === undefined || value === null) return '';
      return `${lead ?? ''}${open}${factText(value)}${close}`;
    },
  );
  return filled.replace(/\s+([.,;])/g, '$1').trim();
}

const REMOVE = Symbol('remove');

function factText(value: JsonValue): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * The template with its placeholders filled: a string that is one placeholder takes the value
 * with its JSON type (`"{status}"` → 404); a member whose placeholder has no value is removed.
 */
export function fillTemplate(template: JsonValue, facts: Facts): JsonValue | typeof REMOVE {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole) {
      const value = facts.get(whole[1]!);
      return value === undefined ? REMOVE : value;
    }
    let missing = false;
    const text = template.replace(PLACEHOLDER, (_, name: string) => {
      const value = facts.get(name);
      if (value === undefined || value === null) missing = true;
      return value === undefined || value === null ? '' : factText(value);
    });
    return missing ? REMOVE : text;
  }
  if (Array.isArray(template)) {
    const out: JsonValue[] = [];
    for (const item of template) {
      const value = fillTemplate(item, facts);
      if (value !== REMOVE) out.push(value);
    }
    return out;
  }
  if (template !== null && typeof template === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [name, item] of Object.entries(template)) {
      const value = fillTemplate(item, facts);
      if (value !== REMOVE)
        Object.defineProperty(out, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  }
  return template;
}

/**
 * The body with `extra` fields beside its message: in the template's object that holds
 * `{message}` (Stripe's `error` envelope), else at the top of an object body.
 */
function withExtra(
  body: JsonValue,
  template: JsonValue | null,
  extra: Readonly<Record<string, JsonValue>> | undefined,
): JsonValue {
  if (extra === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
    return body;
  const path = template === null ? [] : (messagePath(template) ?? []);
  const add = (target: JsonValue, depth: number): JsonValue => {
    if (target === null || typeof target !== 'object' || Array.isArray(target)) return target;
    const out: Record<string, JsonValue> = {};
    for (const [name, value] of Object.entries(target))
      Object.defineProperty(out, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    if (depth === path.length) {
      for (const [name, value] of Object.entries(extra))
        if (!Object.hasOwn(out, name))
          Object.defineProperty(out, name, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
      return out;
    }
    const key = path[depth]!;
    if (Object.hasOwn(out, key)) out[key] = add(out[key]!, depth + 1);
    return out;
  };
  return add(body, 0);
}

/** The keys down to the template's object whose member is `{message}`, or undefined. */
function messagePath(template: JsonValue): string[] | undefined {
  if (template === null || typeof template !== 'object' || Array.isArray(template))
    return undefined;
  for (const [name, value] of Object.entries(template)) {
    if (typeof value === 'string' && value.includes('{message}')) return [];
    const below = messagePath(value);
    if (below !== undefined) return [name, ...below];
  }
  return undefined;
}

function clip(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return clean.length <= MAX_FACT ? clean : `${clean.slice(0, MAX_FACT)}…`;
}

export function profileErrors(profile: ApiProfile, spec: CompiledSpec | undefined): ProfileErrors {
  const live = profile.credentials.livePatterns.map((p) => new RegExp(p));
  // Live patterns are anchored (`^sk_live_`): each word of a longer fact (a path) is tried.
  const looksLikeCredential = (text: string): boolean =>
    text.includes(profile.credentials.keyPrefix) ||
    BUILTIN_LIVE.some((r) => r.test(text)) ||
    text.split(WORD_BREAK).some((word) => word !== '' && live.some((r) => r.test(word)));
  const values = spec === undefined ? undefined : new SpecValues(spec.responseDocument);
  const specWide = new Map<number, SpecResponse | null>();

  const documented = (
    status: number,
    operation: SpecOperation | undefined,
  ): SpecResponse | undefined => {
    if (spec === undefined) return undefined;
    if (operation !== undefined) {
      const own = documentedError(operation.responses, status);
      if (own !== undefined) return own;
    }
    let wide = specWide.get(status);
    if (wide === undefined) {
      wide = documentedErrorFor(spec.model, status) ?? null;
      specWide.set(status, wide);
    }
    return wide ?? undefined;
  };

  /** The message's facts, each checked: what fails a check is left out of the message. */
  const factsOf = (input: ErrorFactsIn): Map<string, JsonValue> => {
    const out = new Map<string, JsonValue>();
    for (const [name, raw] of Object.entries(input.values ?? {})) {
      if (typeof raw === 'number') {
        if (Number.isFinite(raw)) out.set(name, raw);
        continue;
      }
      if (typeof raw !== 'string' || looksLikeCredential(raw)) continue;
      if (name === 'id') {
        if (!PLAIN_ID.test(raw)) continue;
        if (input.idShape !== undefined && !matchesShape(raw, input.idShape)) continue;
        out.set(name, raw);
      } else if (name === 'key') {
        out.set(name, PLAIN_KEY.test(raw) ? `'${raw}'` : 'this key');
      } else out.set(name, clip(raw));
    }
    if (input.values?.['key'] !== undefined && !out.has('key')) out.set('key', 'this key');
    return out;
  };

  return {
    reply(input, layer) {
      const style = profile.errors.kinds[input.kind];
      const status = input.status ?? style.status;
      const code = input.code ?? style.code;
      const facts = factsOf(input);
      const own =
        input.message === undefined
          ? input.kind === 'invalid-transition'
            ? FALLBACK_TRANSITION
            : undefined
          : input.message;
      if (own !== undefined) facts.set('message', fillMessage(own, facts));
      // A kind's template with `{message}` wraps the caller's message; one without is replaced by it.
      const message = style.message.includes('{message}')
        ? fillMessage(style.message, facts) || fillMessage(FALLBACK_TRANSITION, facts)
        : own !== undefined
          ? (facts.get('message') as string)
          : fillMessage(style.message, facts);
      const headers: (readonly [string, string])[] = [
        [HEADER_LAYER, layer],
        [HEADER_ERROR, input.kind],
        ...(input.headers ?? []),
      ];
      const placeholders = new Map<string, JsonValue>(facts);
      placeholders.set('message', message);
      placeholders.set('status', status);
      placeholders.set('statusString', String(status));
      placeholders.set('kind', input.kind);
      placeholders.set('title', TITLES[input.kind]);
      const type = input.type ?? style.type;
      if (type !== undefined) placeholders.set('type', type);
      if (code !== undefined) {
        placeholders.set('code', code);
        placeholders.set('codeDashed', code.replace(/_/g, '-'));
      }
      if (input.param !== undefined && PLAIN_ID.test(input.param))
        placeholders.set('param', input.param);
      if (profile.errors.docUrl !== undefined) {
        const url = fillTemplate(profile.errors.docUrl, placeholders);
        if (typeof url === 'string') placeholders.set('docUrl', url);
      }

      if (profile.errors.template !== undefined) {
        const filled = fillTemplate(profile.errors.template, placeholders);
        const body = withExtra(
          filled === REMOVE ? {} : filled,
          profile.errors.template,
          input.extra,
        );
        return {
          kind: 'simple',
          status,
          headers: [['content-type', profile.errors.mediaType], ...headers],
          body: `${JSON.stringify(body)}\n`,
        };
      }

      const response = documented(status, input.operation);
      const media = response?.contents.find(hasJsonSchema);
      if (values !== undefined && response !== undefined && media !== undefined) {
        const schema = values.schemaOf(media);
        const base = generateValue(schema, {
          rng: seededRng('tapedeck-sandbox', `error\u0000${status}\u0000${response.pointer}`),
          resolve: values.resolve,
          maxDepth: 0,
        });
        const param = placeholders.get('param');
        const shaped: ErrorFacts = {
          kind: SHAPE_KINDS[input.kind],
          status,
          code: code ?? input.kind,
          title: TITLES[input.kind],
          message,
          documentation:
            (placeholders.get('docUrl') as string | undefined) ?? problemType(code ?? input.kind),
          ...(typeof param === 'string' ? { param } : {}),
        };
        const body = withExtra(shapeError(schema, base, shaped, values.resolve), null, input.extra);
        const mediaType = media.type.includes('*') ? 'application/json' : media.type;
        return {
          kind: 'simple',
          status,
          headers: [['content-type', mediaType], ...headers],
          body: `${JSON.stringify(body)}\n`,
        };
      }

      const param = placeholders.get('param');
      return problemReply(
        {
          code: code ?? input.kind,
          title: TITLES[input.kind],
          status,
          detail: message,
          extra: {
            code: code ?? input.kind,
            ...(typeof param === 'string' ? { param } : {}),
            ...(input.extra ?? {}),
          },
        },
        headers,
      );
    },
  };
}
