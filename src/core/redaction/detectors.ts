import {
  containsPseudonym,
  isPseudonym,
  luhnValid,
  PSEUDONYM_CARD_PREFIX,
  PSEUDONYM_JWT_HEADER,
  PSEUDONYM_PATTERN,
  PSEUDONYM_PHONE_PREFIX,
  type Shape,
} from './pseudonym.js';
import { checkKey } from '../sandbox/keys.js';

/**
 * Built-in detectors: on by default, with no rule files. Each finds secret or personal values
 * inside any text by its shape. They run twice: while redacting (what they find is replaced)
 * and in the scanner after redaction (anything they still find stops the write).
 *
 * Negative cases matter as much: UUIDs, timestamps, hashes, order numbers and tapedeck's own
 * pseudonyms must never match.
 */
export interface Detector {
  /** Stable id, shown in logs and `verify` findings: `builtin/jwt`. */
  readonly id: string;
  readonly description: string;
  readonly pattern: RegExp;
  /**
   * A fragment the pattern cannot match without (no `g` flag): the detector runs only where it
   * is present, so an email address costs one detector rather than all of them. MAYBE_SECRET is
   * their union; test/unit/redaction/shortcuts.test.ts checks that each hint is necessary.
   */
  readonly hint: RegExp;
  /** Which capture group is the secret (0: the whole match). */
  readonly group?: number;
  /**
   * Finds the candidates itself instead of `pattern` (which then documents the shape): for a
   * detector whose pattern would cost more than linear time on hostile text.
   */
  readonly find?: (text: string) => Iterable<string>;
  /** Extra check on a candidate (Luhn, reserved domains…). */
  readonly accept?: (secret: string) => boolean;
  /** Shape for the pseudonym; inferred from the value when absent. */
  readonly shape?: Shape;
  /**
   * Specific enough (a fixed prefix, a PEM header) to search binary bodies with: random bytes
   * never look like `AKIA…` or `ghp_…`, but 5 MB of them do contain email-like or digit runs.
   */
  readonly binarySafe?: boolean;
}

/** A character of an email's local part, as the pattern has it: letters, digits, `._%+-`. */
function isLocalChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x25 ||
    c === 0x2b ||
    c === 0x2d
  );
}

/** An email's domain, from the character after its `@`. */
const EMAIL_DOMAIN = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;

/**
 * Email addresses, the same as the email pattern finds, from each `@`: back over at most 64
 * local-part characters, forward over a domain of at most 253 (RFC 1035). Each `@` costs a
 * bounded amount, so hostile text (a megabyte of `b.b.b.`, long runs of letters) is scanned
 * in linear time, and no pattern runs over more than 253 characters.
 */
function* emailsIn(text: string): Generator<string> {
  let after = 0; // a match never starts inside the one before it
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > after && at - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
    if (start === at) continue;
    const domain = EMAIL_DOMAIN.exec(text.slice(at + 1, at + 254));
    if (domain === null) continue;
    after = at + 1 + domain[0].length;
    yield text.slice(start, after);
    at = after - 1;
  }
}

/** Documentation and test domains (RFC 2606, RFC 6761): addresses there are not personal data. */
const RESERVED_EMAIL_DOMAIN =
  /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/i;

/** Card numbers payment providers publish for testing; not anyone's card. */
const PUBLIC_TEST_CARDS = new Set([
  '4242424242424242',
  '4000056655665556',
  '5555555555554444',
  '2223003122003222',
  '5200828282828210',
  '378282246310005',
  '371449635398431',
  '6011111111111117',
  '3056930009020004',
  '4111111111111111',
]);

function acceptCard(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  // Cards are grouped by 4 to 6 digits when grouped at all; UUIDs start with a group of 8.
  if (digits !== candidate && candidate.split(/[ -]/).some((g) => g.length > 6)) return false;
  if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return false;
  if (digits.startsWith(PSEUDONYM_CARD_PREFIX) || PUBLIC_TEST_CARDS.has(digits)) return false;
  // Issuer ranges of the major networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay).
  return /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9]|2)|35|30[0-5]|36|38)/.test(digits);
}

function acceptPhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  return (
    digits.length >= 8 &&
    digits.length <= 15 &&
    !candidate.replace(/[^\d+]/g, '').startsWith(PSEUDONYM_PHONE_PREFIX)
  );
}

export const DETECTORS: readonly Detector[] = [
  {
    id: 'builtin/private-key',
    hint: /-----BEGIN/,
    binarySafe: true,
    description: 'PEM private keys',
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    shape: 'token',
  },
  {
    id: 'builtin/jwt',
    hint: /eyJ/,
    binarySafe: true,
    description: 'JSON Web Tokens',
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    accept: (s) => !s.startsWith(PSEUDONYM_JWT_HEADER),
    shape: 'jwt',
  },
  {
    id: 'builtin/aws-access-key',
    hint: /A(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA)/,
    binarySafe: true,
    description: 'AWS access key ids',
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/g,
  },
  {
    id: 'builtin/gcp-api-key',
    hint: /AIza/,
    binarySafe: true,
    description: 'Google Cloud API keys',
    pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g,
  },
  {
    id: 'builtin/github-token',
    hint: /gh[pousr]_|github_pat_/,
    binarySafe: true,
    description: 'GitHub tokens',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
  },
  {
    id: 'builtin/gitlab-token',
    hint: /glpat-/,
    binarySafe: true,
    description: 'GitLab tokens',
    pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
  },
  {
    id: 'builtin/slack-token',
    hint: /xox[abposr]-/,
    binarySafe: true,
    description: 'Slack tokens',
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
  },
  {
    id: 'builtin/payment-key',
    hint: /[sr]k_(?:live|test)_/,
    binarySafe: true,
    description: 'payment provider secret and restricted keys (Stripe-style sk_/rk_)',
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b/g,
  },
  {
    id: 'builtin/tapedeck-key',
    hint: /[a-z]_test_/,
    binarySafe: true,
    description: "tapedeck sandbox test keys (any prefix's, checksum-verified)",
    pattern: /\b[a-z]{2,16}_test_[0-9A-Za-z]{28}\b/g,
    // The checksum tells a sandbox key from any other `…_test_` run of 28 characters.
    accept: (s) => checkKey(s.slice(0, s.indexOf('_test_') + 6), s).ok,
    shape: 'token',
  },
  {
    id: 'builtin/webhook-secret',
    hint: /whsec_/,
    binarySafe: true,
    description: 'webhook signing secrets (whsec_)',
    pattern: /\bwhsec_[A-Za-z0-9+/=_-]{16,}/g,
  },
  {
    id: 'builtin/bearer',
    hint: /bearer/i,
    description: 'bearer credentials',
    // The whole run of token characters or nothing: never the local part of an email.
    pattern: /\bBearer\s+([A-Za-z0-9._~+/-]{6,}=*)(?![A-Za-z0-9._~+/=@-])/gi,
    group: 1,
  },
  {
    id: 'builtin/basic',
    hint: /basic/i,
    description: 'HTTP Basic credentials',
    pattern: /\bBasic\s+([A-Za-z0-9+/]{6,}={0,2})/gi,
    group: 1,
    shape: 'token',
  },
  {
    id: 'builtin/email',
    hint: /@/,
    description: 'email addresses (reserved test domains excepted)',
    // What `emailsIn` finds: at most 64 local-part characters (RFC 5321 §4.5.3.1.1), so an
    // address right after another (`a@x.com%2Cb@x.com`, a URL-encoded list) is found too.
    pattern: /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
    find: emailsIn,
    accept: (s) => !RESERVED_EMAIL_DOMAIN.test(s.slice(s.indexOf('@') + 1)),
    shape: 'email',
  },
  {
    id: 'builtin/card-number',
    hint: /\d[\d -]{11}/,
    description: 'payment card numbers (Luhn-valid, in an issuer range)',
    // Not a digit run inside a hex string (a hash, a UUID): no letter or digit either side.
    pattern: /(?<![0-9A-Za-z.])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z.])/g,
    accept: acceptCard,
    shape: 'card',
  },
  {
    id: 'builtin/phone',
    hint: /\+[1-9]/,
    description: 'international phone numbers (+country code)',
    pattern: /(?<![\w+])\+[1-9]\d{0,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\w)/g,
    accept: acceptPhone,
    shape: 'phone',
  },
];

/**
 * The built-in shapes of live credentials, which `tapedeck sandbox` refuses as keys (401
 * `live-key`) before any lookup: live payment keys and provider tokens. A sandbox never takes one.
 */
export const LIVE_KEY_DETECTORS: readonly Detector[] = DETECTORS.filter((d) =>
  [
    'builtin/aws-access-key',
    'builtin/gcp-api-key',
    'builtin/github-token',
    'builtin/gitlab-token',
    'builtin/slack-token',
    'builtin/payment-key',
  ].includes(d.id),
).map((d) =>
  d.id === 'builtin/payment-key'
    ? { ...d, hint: /[sr]k_live_/, pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{10,}\b/g }
    : d,
);

export interface Detection {
  readonly detector: Detector;
  /** The secret itself (the capture group when the detector names one). */
  readonly secret: string;
}

/**
 * Identifier-style field names: a long Luhn-valid number there is an order or tracking number,
 * not a card. (Luhn alone cannot tell them apart; one number in ten passes it.)
 */
const IDENTIFIER_NAME =
  /order|invoice|tracking|reference|(?:^|[-_.])ref(?:$|[-_.])|sku|isbn|ean|upc|gtin|imei|serial|barcode/i;

/**
 * A necessary condition for every detector at once: each alternative is a fragment its detector
 * cannot match without. Ordinary values (`application/json`, `gzip, deflate`, a user agent) fail
 * this one test and skip the thirteen detector patterns; it is what keeps redaction of every
 * incoming request cheap enough for the replay hot path. A test in detectors.test.ts checks that
 * every detector's positive examples pass it.
 */
export const MAYBE_SECRET =
  /-----BEGIN|eyJ|A(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA|Iza)|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|[sr]k_(?:live|test)_|[a-z]_test_|whsec_|bearer|basic|@|\+[1-9]|\d[\d -]{11}/i;

/**
 * Every detection in `text`, skipping tapedeck pseudonyms and disabled detectors. `fieldName`
 * is the JSON key, form field or query parameter the text is the value of, when there is one.
 */
export function detect(
  text: string,
  disabled: ReadonlySet<string> = new Set(),
  fieldName?: string,
  binary = false,
): Detection[] {
  if (text.length < 6 || !MAYBE_SECRET.test(text)) return [];
  const found: Detection[] = [];
  const identifier = fieldName !== undefined && IDENTIFIER_NAME.test(fieldName);
  for (const detector of DETECTORS) {
    if (disabled.has(detector.id) || (binary && detector.binarySafe !== true)) continue;
    if (identifier && detector.id === 'builtin/card-number') continue;
    if (!detector.hint.test(text)) continue;
    detector.pattern.lastIndex = 0;
    const candidates =
      detector.find?.(text) ??
      Array.from(text.matchAll(detector.pattern), (m) => m[detector.group ?? 0]);
    for (const secret of candidates) {
      if (
        secret === undefined ||
        secret === '' ||
        isPseudonym(secret) ||
        containsOnlyPseudonyms(secret)
      )
        continue;
      if (detector.accept && !detector.accept(secret)) continue;
      found.push({ detector, secret });
    }
  }
  return found;
}

function containsOnlyPseudonyms(secret: string): boolean {
  return (
    containsPseudonym(secret) &&
    secret.replace(/tdp_[a-z2-7]{24}|\[REDACTED\]/g, '').trim().length < 6
  );
}

/**
 * Field names whose values are secret whatever they look like (compared lower-case, without
 * `-`, `_` and `.`): `password`, `client_secret`, `X-Api-Key`, `access_token`…
 */
const SECRET_NAMES = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'clientsecret',
  'apikey',
  'apisecret',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authtoken',
  'sessiontoken',
  'token',
  'privatekey',
  'sessionid',
  'sessid',
  'csrftoken',
  'xsrftoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'pin',
  'cvv',
  'cvc',
  'ssn',
  'otp',
  'webhooksecret',
  'signingsecret',
  'secretkey',
  'accesskey',
  'xapikey',
  'xauthtoken',
  'xaccesstoken',
  'clientassertion',
]);

/** Names that hint at a secret; their values count only when they look random (high entropy). */
const SECRETISH_NAME =
  /token|secret|passw|api.?key|auth|credential|signature|private|session|key$/i;

/** A name compared loosely: lower-case, without `-`, `_`, `.` and spaces. */
export function squashName(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, '');
}

/** Names repeat on every request (header names, JSON keys), so their verdict is cached. */
const nameVerdicts = new Map<string, boolean>();

export function isSecretName(name: string): boolean {
  let verdict = nameVerdicts.get(name);
  if (verdict === undefined) {
    verdict = SECRET_NAMES.has(squashName(name));
    if (nameVerdicts.size < 10_000) nameVerdicts.set(name, verdict);
  }
  return verdict;
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A random-looking string: long, mixed letters and digits, high entropy. */
export function looksRandom(value: string): boolean {
  return (
    value.length >= 16 &&
    /[A-Za-z]/.test(value) &&
    /\d/.test(value) &&
    !/\s/.test(value) &&
    entropy(value) >= 3.5
  );
}

/** Names whose values are secret: exactly secret names, or secret-ish names with random-looking values. */
const secretishVerdicts = new Map<string, boolean>();

function isSecretishName(name: string): boolean {
  let verdict = secretishVerdicts.get(name);
  if (verdict === undefined) {
    verdict = SECRETISH_NAME.test(name);
    if (secretishVerdicts.size < 10_000) secretishVerdicts.set(name, verdict);
  }
  return verdict;
}

export function isSecretField(name: string, value: string): boolean {
  if (value === '') return false;
  if (isSecretName(name)) return !isPseudonym(value);
  if (!isSecretishName(name)) return false;
  // Pseudonyms inside the value (value tracking puts them there) do not make it look random;
  // counting them would redact the whole value on a second pass.
  const rest = containsPseudonym(value) ? value.replace(PSEUDONYM_PATTERN, '') : value;
  return looksRandom(rest) && !isPseudonym(value);
}

/** The detector id for name-based findings, shown in logs and verify output. */
export const SECRET_FIELD_RULE = 'builtin/secret-field';
