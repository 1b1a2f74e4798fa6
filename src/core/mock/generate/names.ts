/**
 * Field-name-aware fake values: a property called `email` gets an address at example.com, one
 * called `created_at` a date-time (or, as an integer, a unix timestamp), one called `currency` an
 * ISO 4217 code. The generator asks here first and keeps the answer only when it satisfies the
 * schema: the schema's constraints always win over the name. Shared with the GraphQL mock.
 */
import {
  fakeAlnum,
  fakeDate,
  fakeDateTime,
  fakeHex,
  fakeIpv4,
  fakeSentence,
  fakeUnixSeconds,
  fakeUrl,
  fakeUuid,
  fakeWord,
} from './fake.js';
import type { Rng } from './random.js';

export type ScalarKind = 'string' | 'integer' | 'number' | 'boolean';

const FIRST_NAMES = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Casey', 'Riley', 'Morgan', 'Avery'];
const LAST_NAMES = ['Rivera', 'Chen', 'Okafor', 'Novak', 'Larsen', 'Moreau', 'Tanaka', 'Silva'];
const CITIES = ['Lisbon', 'Toronto', 'Osaka', 'Melbourne', 'Austin', 'Utrecht', 'Porto', 'Lyon'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'CA', 'JP', 'AU', 'NL', 'SE', 'BR'];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'CHF', 'SEK'];
const LANGUAGES = ['en', 'de', 'fr', 'es', 'ja', 'pt', 'nl'];
const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'ja-JP', 'pt-BR'];
const TIMEZONES = ['UTC', 'Europe/Lisbon', 'America/Toronto', 'Asia/Tokyo', 'Australia/Sydney'];
const STATUSES = ['active', 'pending', 'completed', 'archived'];
const MEDIA_TYPES = ['application/json', 'text/plain', 'image/png', 'application/pdf'];
const COMPANIES = ['Example Corp', 'Acme Inc.', 'Sample Labs', 'Demo Works'];
const STREETS = ['Example Street', 'Sample Avenue', 'Test Road', 'Demo Lane'];
/** Regions as addresses write them (US states, Canadian provinces). */
const REGIONS = ['CA', 'NY', 'TX', 'WA', 'IL', 'MA', 'ON', 'BC'];
const CARRIERS = ['UPS', 'FedEx', 'DHL', 'USPS'];
const BANKS = ['Example Bank', 'Sample Savings Bank', 'Test Credit Union', 'Demo National Bank'];
/** Routing numbers published for testing (and one of each big US bank's public ones). */
const ROUTING_NUMBERS = ['110000000', '021000021', '026009593', '011000015'];

/** Owners whose `name` is a person's name. */
const PERSON_WORDS = [
  'full',
  'display',
  'customer',
  'user',
  'person',
  'owner',
  'author',
  'contact',
  'member',
  'employee',
  'account',
  'billing',
  'shipping',
  'cardholder',
  'recipient',
  'sender',
  'individual',
  'profile',
];

function digits(rng: Rng, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(rng.int(0, 9));
  return out;
}

function capitalize(word: string): string {
  return `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
}

/** Splits `createdAt`, `created_at`, `Created-At` into `['created', 'at']`. */
const tokenCache = new Map<string, readonly string[]>();

export function nameTokens(name: string): readonly string[] {
  const cached = tokenCache.get(name);
  if (cached !== undefined) return cached;
  const tokens = splitName(name);
  if (tokenCache.size > 4096) tokenCache.clear();
  tokenCache.set(name, tokens);
  return tokens;
}

function splitName(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

function has(tokens: readonly string[], ...words: string[]): boolean {
  return tokens.some((t) => words.includes(t));
}

function last(tokens: readonly string[]): string {
  return tokens[tokens.length - 1] ?? '';
}

function isTimestampName(tokens: readonly string[], joined: string): boolean {
  const end = last(tokens);
  return (
    end === 'at' ||
    end === 'timestamp' ||
    end === 'time' ||
    end === 'datetime' ||
    end === 'on' ||
    /^(created|updated|modified|deleted|expires|expiry|expired|started|ended|completed|canceled|cancelled|paid|sent|received|published)$/.test(
      joined,
    ) ||
    end === 'created' ||
    end === 'updated'
  );
}

function isDateName(tokens: readonly string[]): boolean {
  const end = last(tokens);
  return end === 'date' || has(tokens, 'birthday', 'birthdate', 'dob');
}

function personParts(rng: Rng): [string, string] {
  return [rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)];
}

/** A short prefix for an id field: `customer_id` -> `customer`, `orderId` -> `order`. */
function idPrefix(tokens: readonly string[]): string {
  const owner = tokens.slice(0, -1).join('_');
  return owner.length > 0 ? owner : 'id';
}

/** What a rule sees of a name: its tokens, the last one, and all of them joined by `_`. */
interface NameParts {
  readonly tokens: readonly string[];
  readonly end: string;
  readonly joined: string;
}

type Rule<T> = readonly [(n: NameParts) => boolean, (rng: Rng, n: NameParts) => T];

const is =
  (...words: string[]) =>
  (n: NameParts): boolean =>
    has(n.tokens, ...words);
const endsAs =
  (...words: string[]) =>
  (n: NameParts): boolean =>
    words.includes(n.end);

/** Ordered: the first rule whose test accepts the name makes the value. */
const STRING_RULES: readonly Rule<string>[] = [
  [
    (n) => has(n.tokens, 'email', 'mail') || n.joined.endsWith('e_mail'),
    (rng) => {
      const [first, lastName] = personParts(rng);
      return `${first}.${lastName}${rng.int(1, 99)}@example.com`.toLowerCase();
    },
  ],
  [is('uuid', 'guid'), (rng) => fakeUuid(rng)],
  [
    (n) =>
      has(n.tokens, 'routing', 'aba') && ['number', 'routing', 'aba', 'transit'].includes(n.end),
    (rng) => rng.pick(ROUTING_NUMBERS),
  ],
  [
    (n) => n.end === 'number' && has(n.tokens, 'account', 'iban', 'bank'),
    (rng) => `000${digits(rng, 9)}`,
  ],
  [(n) => n.end === 'number' && has(n.tokens, 'tracking'), (rng) => `1Z999AA1${digits(rng, 10)}`],
  [
    // `invoice_number`, `order_number`, `reference_number`: what people read off a document.
    (n) =>
      (n.end === 'number' || n.end === 'no') &&
      n.tokens.length > 1 &&
      !has(n.tokens, 'card', 'pan', 'phone', 'mobile', 'tel', 'fax', 'street', 'house', 'version'),
    (rng, n) => `${(n.tokens[0] ?? 'ref').slice(0, 3).toUpperCase()}-${digits(rng, 6)}`,
  ],
  [endsAs('id', 'ids'), (rng, n) => `${idPrefix(n.tokens)}_${fakeAlnum(rng, 14)}`],
  [
    (n) => has(n.tokens, 'password', 'passwd', 'secret', 'token', 'apikey') && n.end !== 'type',
    (rng, n) => `example-${n.end}-${fakeHex(rng, 8)}`,
  ],
  [(n) => n.end === 'key' && n.tokens.length > 1, (rng) => `example-key-${fakeHex(rng, 8)}`],
  [(n) => isTimestampName(n.tokens, n.joined), (rng) => fakeDateTime(rng)],
  [(n) => isDateName(n.tokens), (rng) => fakeDate(rng)],
  [
    is('phone', 'mobile', 'tel', 'telephone', 'fax'),
    (rng) => `+1-555-01${String(rng.int(0, 99)).padStart(2, '0')}`,
  ],
  [
    is('avatar', 'image', 'photo', 'picture', 'logo', 'icon', 'thumbnail'),
    (rng) => `https://example.com/images/${fakeWord(rng)}-${rng.int(1, 999)}.png`,
  ],
  [is('url', 'uri', 'link', 'href', 'website', 'homepage', 'endpoint', 'callback'), fakeUrl],
  [is('hostname', 'host', 'domain'), (rng) => `${fakeWord(rng)}.example.com`],
  [is('fingerprint'), (rng) => fakeAlnum(rng, 16)],
  [is('carrier'), (rng) => rng.pick(CARRIERS)],
  [
    (n) => has(n.tokens, 'bank') && (n.end === 'name' || n.end === 'bank'),
    (rng) => rng.pick(BANKS),
  ],
  [endsAs('prefix'), (rng) => fakeAlnum(rng, 8).toUpperCase()],
  [(n) => has(n.tokens, 'ip') || n.joined.endsWith('ip_address'), (rng) => fakeIpv4(rng)],
  [
    (n) => ['first_name', 'firstname', 'given_name'].includes(n.joined),
    (rng) => rng.pick(FIRST_NAMES),
  ],
  [
    (n) => ['last_name', 'lastname', 'surname', 'family_name'].includes(n.joined),
    (rng) => rng.pick(LAST_NAMES),
  ],
  [
    is('username', 'login', 'handle', 'nickname'),
    (rng) => {
      const [first, lastName] = personParts(rng);
      return `${first}_${lastName}${rng.int(1, 99)}`.toLowerCase();
    },
  ],
  [
    is('company', 'organization', 'organisation', 'employer', 'business'),
    (rng) => rng.pick(COMPANIES),
  ],
  [
    (n) => (n.end === 'name' && has(n.tokens, 'file')) || n.end === 'filename',
    (rng) => `${fakeWord(rng)}-report.pdf`,
  ],
  [
    (n) => n.end === 'name' || n.end === 'fullname' || n.joined === 'full_name',
    (rng, n) =>
      n.tokens.length === 1 || has(n.tokens, ...PERSON_WORDS)
        ? personParts(rng).join(' ')
        : // `product_name`, `Pet_name`: a thing, not a person.
          `${capitalize(fakeWord(rng))} ${capitalize(fakeWord(rng))}`,
  ],
  [is('city', 'town'), (rng) => rng.pick(CITIES)],
  [is('country'), (rng) => rng.pick(COUNTRIES)],
  [is('currency'), (rng) => rng.pick(CURRENCIES)],
  [is('locale'), (rng) => rng.pick(LOCALES)],
  [is('language', 'lang'), (rng) => rng.pick(LANGUAGES)],
  [
    (n) => has(n.tokens, 'timezone', 'tz') || n.joined.endsWith('time_zone'),
    (rng) => rng.pick(TIMEZONES),
  ],
  [is('zip', 'zipcode', 'postcode', 'postal'), (rng) => String(rng.int(10000, 99999))],
  [
    // The generator names an address's `state` `address_state` (it sees the siblings).
    (n) =>
      has(n.tokens, 'province', 'region', 'county') ||
      (has(n.tokens, 'address') && n.end === 'state'),
    (rng) => rng.pick(REGIONS),
  ],
  [
    (n) => n.joined.endsWith('line2') || n.joined.endsWith('line_2'),
    (rng) => `Suite ${rng.int(100, 999)}`,
  ],
  [is('street', 'address', 'line1', 'addr'), (rng) => `${rng.int(1, 999)} ${rng.pick(STREETS)}`],
  [is('last4'), () => '4242'],
  [(n) => has(n.tokens, 'card', 'pan') && has(n.tokens, 'number'), () => '4242424242424242'],
  [is('cvc', 'cvv'), () => '123'],
  [is('iban'), () => 'DE00123456780000000000'],
  [endsAs('status', 'state'), (rng) => rng.pick(STATUSES)],
  [
    is('description', 'summary', 'bio', 'about', 'notes', 'note', 'comment'),
    (rng) => fakeSentence(rng, rng.int(4, 9)),
  ],
  [is('message', 'text', 'body', 'content'), (rng) => fakeSentence(rng, rng.int(3, 7))],
  [
    is('title', 'subject', 'headline', 'label'),
    (rng) => fakeSentence(rng, rng.int(2, 4)).slice(0, -1),
  ],
  [is('slug'), (rng) => `${fakeWord(rng)}-${fakeWord(rng)}`],
  [is('color', 'colour'), (rng) => `#${fakeHex(rng, 6)}`],
  [is('version'), (rng) => `${rng.int(1, 3)}.${rng.int(0, 9)}.${rng.int(0, 9)}`],
  [
    (n) =>
      has(n.tokens, 'mime') || n.joined.endsWith('content_type') || n.joined.endsWith('media_type'),
    (rng) => rng.pick(MEDIA_TYPES),
  ],
  [is('sku'), (rng) => `SKU-${rng.int(1000, 9999)}`],
  [is('etag', 'hash', 'checksum', 'sha', 'digest'), (rng) => fakeHex(rng, 16)],
  [endsAs('type', 'kind', 'category'), (rng) => fakeWord(rng)],
];

/** The index of the first matching rule per name (-1: none): the tests run once per name. */
const ruleCache = new Map<string, number>();

function fakeString(tokens: readonly string[], rng: Rng): string | undefined {
  if (tokens.length === 0) return undefined;
  const joined = tokens.join('_');
  const parts: NameParts = { tokens, end: last(tokens), joined };
  let index = ruleCache.get(joined);
  if (index === undefined) {
    index = STRING_RULES.findIndex(([test]) => test(parts));
    if (ruleCache.size > 4096) ruleCache.clear();
    ruleCache.set(joined, index);
  }
  const rule = STRING_RULES[index];
  return rule === undefined ? undefined : rule[1](rng, parts);
}

function fakeNumber(tokens: readonly string[], integer: boolean, rng: Rng): number | undefined {
  const end = last(tokens);
  const joined = tokens.join('_');
  if (tokens.length === 0) return undefined;
  const decimal = (min: number, max: number): number =>
    integer ? rng.int(min, max) : rng.int(min * 100, max * 100) / 100;
  if (isTimestampName(tokens, joined) || has(tokens, 'epoch')) return fakeUnixSeconds(rng);
  if (joined.endsWith('exp_month') || joined.endsWith('expiry_month') || end === 'month')
    return rng.int(1, 12);
  if (joined.endsWith('exp_year') || joined.endsWith('expiry_year')) return rng.int(2027, 2031);
  if (end === 'year') return rng.int(2020, 2030);
  if (end === 'day') return rng.int(1, 28);
  if (end === 'hour' || end === 'hours') return rng.int(0, 23);
  if (end === 'minute' || end === 'minutes') return rng.int(0, 59);
  if (has(tokens, 'latitude', 'lat')) return rng.int(-9000, 9000) / 100;
  if (has(tokens, 'longitude', 'lng', 'lon')) return rng.int(-18000, 18000) / 100;
  if (end === 'id' || end === 'ids') return rng.int(1, 99_999);
  if (
    has(tokens, 'price', 'amount', 'total', 'subtotal', 'cost', 'fee', 'balance', 'tax', 'salary')
  )
    return integer ? rng.int(100, 100_000) : rng.int(100, 100_000) / 100;
  if (has(tokens, 'count', 'quantity', 'qty')) return rng.int(1, 20);
  if (has(tokens, 'age')) return rng.int(18, 80);
  if (end === 'page') return rng.int(1, 5);
  if (has(tokens, 'limit') || joined.endsWith('per_page') || joined.endsWith('page_size'))
    return rng.pick([10, 20, 50, 100]);
  if (has(tokens, 'port')) return rng.pick([443, 8080, 8443, 3000]);
  if (has(tokens, 'percent', 'percentage', 'ratio', 'rate')) return decimal(0, 100);
  if (has(tokens, 'rating', 'score', 'stars')) return decimal(1, 5);
  if (has(tokens, 'seconds', 'timeout', 'duration', 'ttl')) return rng.int(1, 3600);
  if (has(tokens, 'weight', 'height', 'width', 'length', 'size')) return decimal(1, 500);
  if (has(tokens, 'version')) return rng.int(1, 5);
  return undefined;
}

function fakeBoolean(tokens: readonly string[], rng: Rng): boolean | undefined {
  const first = tokens[0];
  if (first === undefined) return undefined;
  if (has(tokens, 'deleted', 'livemode', 'archived', 'disabled', 'blocked', 'locked', 'test'))
    return false;
  if (has(tokens, 'enabled', 'active', 'verified', 'visible', 'valid', 'confirmed'))
    return rng.next() < 0.85;
  if (first === 'is' || first === 'has' || first === 'can' || first === 'should')
    return rng.next() < 0.5;
  return undefined;
}

/**
 * A realistic value for a field called `name` (email, first_name, phone, url, city, currency,
 * created/updated timestamps, id, uuid, price/amount, count, description, ...), or undefined
 * when the name says nothing. Deterministic for the rng's state. The caller checks the value
 * against the schema: a name never overrides a constraint.
 */
export function fakeForName(
  name: string,
  kind: ScalarKind,
  rng: Rng,
): string | number | boolean | undefined {
  const tokens = nameTokens(name);
  switch (kind) {
    case 'string':
      return fakeString(tokens, rng);
    case 'integer': {
      const value = fakeNumber(tokens, true, rng);
      return value === undefined ? undefined : Math.round(value);
    }
    case 'number':
      return fakeNumber(tokens, false, rng);
    case 'boolean':
      return fakeBoolean(tokens, rng);
  }
}
