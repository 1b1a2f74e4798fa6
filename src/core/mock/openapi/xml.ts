import { decodePercent } from '../../http/percent.js';
import type { JsonValue } from '../../json.js';
import type { Resolve } from './conforms.js';
import { isRecord } from '../../json.js';

/**
 * A JSON value as XML, the way OpenAPI's `xml` object describes it: element names from
 * `xml.name`, else the property name, else the schema's component name (`Pet`), else `root`;
 * `xml.attribute` properties as attributes; arrays unwrapped (one element per item, named like
 * the property) unless `xml.wrapped`. Namespaces and prefixes are left out. Used when a client
 * asks for a documented XML media type and the answer was generated (or is a structured
 * example): sending JSON text labelled `application/xml` would break every XML parser.
 */
export function toXml(value: JsonValue, schema: unknown, resolve: Resolve): string {
  const root = deref(schema, resolve);
  const name = xmlOf(root.schema).name ?? root.refName ?? 'root';
  const writer = new XmlWriter(resolve);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${writer.element(elementName(name), value, root.schema, 0)}\n`;
}

interface XmlInfo {
  readonly name?: string;
  readonly attribute: boolean;
  readonly wrapped: boolean;
}

function xmlOf(schema: unknown): XmlInfo {
  const xml = isRecord(schema) ? schema['xml'] : undefined;
  if (!isRecord(xml)) return { attribute: false, wrapped: false };
  return {
    ...(typeof xml['name'] === 'string' && xml['name'] !== '' ? { name: xml['name'] } : {}),
    attribute: xml['attribute'] === true,
    wrapped: xml['wrapped'] === true,
  };
}

/** Follows `$ref`s (a few, to stop on cycles); keeps the last component name seen. */
function deref(schema: unknown, resolve: Resolve): { schema: unknown; refName?: string } {
  let current = schema;
  let refName: string | undefined;
  for (let i = 0; i < 8 && isRecord(current) && typeof current['$ref'] === 'string'; i++) {
    const ref = current['$ref'];
    refName = decodePercent(ref.slice(ref.lastIndexOf('/') + 1));
    current = resolve(ref);
  }
  return refName === undefined ? { schema: current } : { schema: current, refName };
}

/** XML names: letters, digits, `_`, `-`, `.`; not starting with a digit, `-` or `.`. */
function elementName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}

function scalarText(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const MAX_DEPTH = 64;

class XmlWriter {
  constructor(private readonly resolve: Resolve) {}

  /** The subschema of a property, looking through `allOf`/`oneOf`/`anyOf` members too. */
  private propertySchema(schema: unknown, key: string, guard = 0): unknown {
    const node = deref(schema, this.resolve).schema;
    if (!isRecord(node) || guard > 8) return undefined;
    const properties = node['properties'];
    if (isRecord(properties) && Object.hasOwn(properties, key)) return properties[key];
    for (const keyword of ['allOf', 'oneOf', 'anyOf']) {
      const members = node[keyword];
      if (!Array.isArray(members)) continue;
      for (const member of members) {
        const found = this.propertySchema(member, key, guard + 1);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  private itemsSchema(schema: unknown): unknown {
    const node = deref(schema, this.resolve).schema;
    return isRecord(node) ? node['items'] : undefined;
  }

  element(name: string, value: JsonValue, schema: unknown, depth: number): string {
    if (value === null) return `<${name}/>`;
    if (depth > MAX_DEPTH) return `<${name}/>`;
    if (Array.isArray(value)) {
      // A top-level (or wrapped) array: one child per item, named by the items' schema.
      const items = this.itemsSchema(schema);
      const itemRoot = deref(items, this.resolve);
      const itemName = elementName(xmlOf(itemRoot.schema).name ?? itemRoot.refName ?? 'item');
      return `<${name}>${value.map((v) => this.element(itemName, v, items, depth + 1)).join('')}</${name}>`;
    }
    if (typeof value !== 'object') return `<${name}>${escapeText(scalarText(value))}</${name}>`;
    let attributes = '';
    let children = '';
    for (const [key, child] of Object.entries(value)) {
      const childSchema = this.propertySchema(schema, key);
      const info = xmlOf(deref(childSchema, this.resolve).schema);
      const direct = xmlOf(childSchema);
      const childName = elementName(direct.name ?? info.name ?? key);
      if ((direct.attribute || info.attribute) && (child === null || typeof child !== 'object')) {
        if (child !== null) attributes += ` ${childName}="${escapeAttribute(scalarText(child))}"`;
        continue;
      }
      if (Array.isArray(child) && !(direct.wrapped || info.wrapped)) {
        // Unwrapped (OpenAPI's default): the property name repeats, once per item.
        const items = this.itemsSchema(childSchema);
        const itemName = elementName(xmlOf(items).name ?? childName);
        for (const item of child) children += this.element(itemName, item, items, depth + 1);
        continue;
      }
      children += this.element(childName, child, childSchema, depth + 1);
    }
    return children === ''
      ? `<${name}${attributes}/>`
      : `<${name}${attributes}>${children}</${name}>`;
  }
}
