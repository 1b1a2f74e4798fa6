/**
 * Values for GraphQL leaf types: the five built-in scalars, enums, and custom scalars known by
 * their usual names (`DateTime`, `JSON`, `URL`, `Email`, …). The field name is asked first
 * (`fakeForName`, shared with the OpenAPI mock) wherever the type leaves room for it, so an
 * `email: String` looks like an address; the type always wins over the name.
 */
import { isEnumType, isSpecifiedScalarType, type GraphQLLeafType } from 'graphql';
import {
  base64Ascii,
  fakeAlnum,
  fakeDate,
  fakeDateTime,
  fakeHex,
  fakeIpv4,
  fakeIpv6,
  fakeTime,
  fakeUnixSeconds,
  fakeUrl,
  fakeUuid,
  fakeWord,
} from '../generate/fake.js';
import { fakeForName, nameTokens } from '../generate/names.js';
import type { Rng } from '../generate/random.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function nameInt(fieldName: string, rng: Rng): number | undefined {
  const value = fakeForName(fieldName, 'integer', rng);
  // GraphQL's Int is 32-bit: a name-aware value outside it (none today) falls back.
  return typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= INT32_MIN &&
    value <= INT32_MAX
    ? value
    : undefined;
}

function nameFloat(fieldName: string, rng: Rng): number | undefined {
  const value = fakeForName(fieldName, 'number', rng);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function nameString(fieldName: string, rng: Rng): string | undefined {
  const value = fakeForName(fieldName, 'string', rng);
  return typeof value === 'string' ? value : undefined;
}

function words(rng: Rng): string {
  return `${fakeWord(rng)} ${fakeWord(rng)}`;
}

/** A string field: Relay-style cursors are opaque base64, others name-aware or two words. */
function text(fieldName: string, rng: Rng): string {
  if (fieldName.endsWith('ursor')) return base64Ascii(`cursor:${fakeAlnum(rng, 8)}`);
  return nameString(fieldName, rng) ?? words(rng);
}

function email(rng: Rng): string {
  return nameString('email', rng) ?? `${fakeWord(rng)}@example.com`;
}

/** A small JSON object for `JSON`-like scalars: stable keys, generated values. */
function jsonObject(rng: Rng): Record<string, unknown> {
  return { id: fakeAlnum(rng, 10), name: words(rng), count: rng.int(1, 20), enabled: true };
}

/**
 * Custom scalars by their usual names, compared lower-cased without punctuation
 * (`DateTime`, `Date_Time` and `datetime` are one). An unknown custom scalar is a string.
 */
const CUSTOM: Readonly<Record<string, (rng: Rng, fieldName: string) => unknown>> = {
  datetime: fakeDateTime,
  datetimeiso: fakeDateTime,
  isodatetime: fakeDateTime,
  datetimeutc: fakeDateTime,
  zoneddatetime: fakeDateTime,
  offsetdatetime: fakeDateTime,
  instant: fakeDateTime,
  timestamp: fakeDateTime,
  timestamptz: fakeDateTime,
  date: fakeDate,
  localdate: fakeDate,
  time: fakeTime,
  localtime: fakeTime,
  unixtimestamp: fakeUnixSeconds,
  epoch: fakeUnixSeconds,
  json: jsonObject,
  jsonobject: jsonObject,
  jsonvalue: jsonObject,
  object: jsonObject,
  map: jsonObject,
  any: jsonObject,
  url: fakeUrl,
  uri: fakeUrl,
  link: fakeUrl,
  href: fakeUrl,
  email,
  emailaddress: email,
  uuid: fakeUuid,
  guid: fakeUuid,
  ipv4: fakeIpv4,
  ip: fakeIpv4,
  ipaddress: fakeIpv4,
  ipv6: fakeIpv6,
  hexcolorcode: (rng) => `#${fakeHex(rng, 6)}`,
  hexcolor: (rng) => `#${fakeHex(rng, 6)}`,
  color: (rng) => `#${fakeHex(rng, 6)}`,
  phonenumber: (rng) => nameString('phone', rng) ?? '+1-555-0100',
  phone: (rng) => nameString('phone', rng) ?? '+1-555-0100',
  currency: (rng) => nameString('currency', rng) ?? 'USD',
  currencycode: (rng) => nameString('currency', rng) ?? 'USD',
  countrycode: (rng) => nameString('country', rng) ?? 'US',
  locale: (rng) => nameString('locale', rng) ?? 'en-US',
  timezone: (rng) => nameString('timezone', rng) ?? 'UTC',
  bigint: (rng, field) => nameInt(field, rng) ?? rng.int(1, 1_000_000_000),
  long: (rng, field) => nameInt(field, rng) ?? rng.int(1, 1_000_000_000),
  int64: (rng, field) => nameInt(field, rng) ?? rng.int(1, 1_000_000_000),
  positiveint: (rng) => rng.int(1, 1000),
  nonnegativeint: (rng) => rng.int(0, 1000),
  unsignedint: (rng) => rng.int(0, 1000),
  decimal: (rng, field) => nameFloat(field, rng) ?? rng.int(100, 100_000) / 100,
  bigdecimal: (rng, field) => nameFloat(field, rng) ?? rng.int(100, 100_000) / 100,
  positivefloat: (rng) => rng.int(1, 100_000) / 100,
  nonnegativefloat: (rng) => rng.int(0, 100_000) / 100,
  latitude: (rng) => rng.int(-9000, 9000) / 100,
  longitude: (rng) => rng.int(-18000, 18000) / 100,
  void: () => null,
};

/** Makes the value of one leaf field: its name, a seeded source, the type holding it. */
export type LeafGenerator = (fieldName: string, rng: Rng, typeName?: string) => unknown;

/**
 * The generator for a leaf type, decided once per type (the caller keeps it): which custom
 * scalar it is, which enum values are current.
 */
export function leafGenerator(type: GraphQLLeafType): LeafGenerator {
  if (isEnumType(type)) {
    const values = type.getValues();
    const current = values.filter((v) => v.deprecationReason == null);
    const pool = (current.length > 0 ? current : values).map((v) => v.value as unknown);
    return (_fieldName, rng) => rng.pick(pool);
  }
  if (!isSpecifiedScalarType(type)) {
    const generate = CUSTOM[type.name.toLowerCase().replace(/[^a-z0-9]/g, '')];
    if (generate !== undefined) return (fieldName, rng) => generate(rng, fieldName);
    return text;
  }
  switch (type.name) {
    case 'Int':
      return (fieldName, rng) => nameInt(fieldName, rng) ?? rng.int(0, 1000);
    case 'Float':
      return (fieldName, rng) => nameFloat(fieldName, rng) ?? rng.int(0, 100_000) / 100;
    case 'Boolean':
      return (fieldName, rng) => {
        const value = fakeForName(fieldName, 'boolean', rng);
        return typeof value === 'boolean' ? value : rng.next() < 0.5;
      };
    case 'ID':
      return (fieldName, rng, typeName) => {
        const name = fieldName === 'id' && typeName !== undefined ? `${typeName}Id` : fieldName;
        return nameString(name, rng) ?? fakeUuid(rng);
      };
    default:
      return text;
  }
}

/**
 * The mocked value of a leaf field. `fieldName` makes it name-aware; `typeName` (of the object
 * holding the field) makes an entity's `id` read like one of its kind (`user_…`).
 */
export function leafValue(
  type: GraphQLLeafType,
  fieldName: string,
  rng: Rng,
  typeName?: string,
): unknown {
  return leafGenerator(type)(fieldName, rng, typeName);
}

/** The parts of a person an object's fields can show; they agree within one object. */
export type PersonPart = 'first' | 'last' | 'full' | 'email' | 'username';

const PERSON_PARTS: Readonly<Record<string, PersonPart>> = {
  first_name: 'first',
  firstname: 'first',
  given_name: 'first',
  last_name: 'last',
  lastname: 'last',
  surname: 'last',
  family_name: 'last',
  full_name: 'full',
  fullname: 'full',
  display_name: 'full',
  email: 'email',
  email_address: 'email',
  username: 'username',
  user_name: 'username',
  login: 'username',
  handle: 'username',
};

/** Which part of a person a field shows by its name (`firstName`, `email`, …), if any. */
export function personPart(fieldName: string): PersonPart | undefined {
  return PERSON_PARTS[nameTokens(fieldName).join('_')];
}

/** First and last name of the person an object stands for, from a source of its own. */
export function personName(person: Rng): readonly [string, string] {
  return [
    nameString('firstName', person.fork('first')) ?? fakeWord(person),
    nameString('lastName', person.fork('last')) ?? fakeWord(person),
  ];
}

/**
 * One part of the person an object stands for. First and last name come from the object's key
 * alone (`personName`), so `firstName`, `lastName`, `email` and `username` of one user agree
 * (`Ada`, `Novak`, `ada.novak12@example.com`); `rng` (the field's own) varies the rest.
 */
export function personValue(part: PersonPart, name: readonly [string, string], rng: Rng): string {
  const [first, last] = name;
  switch (part) {
    case 'first':
      return first;
    case 'last':
      return last;
    case 'full':
      return `${first} ${last}`;
    case 'email':
      return `${first}.${last}${rng.int(1, 99)}@example.com`.toLowerCase();
    case 'username':
      return `${first}_${last}${rng.int(1, 99)}`.toLowerCase();
  }
}
