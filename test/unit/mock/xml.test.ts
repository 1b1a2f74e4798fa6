import { describe, expect, it } from 'vitest';
import { toXml } from '../../../src/core/mock/openapi/xml.js';

const components: Record<string, unknown> = {
  Pet: {
    type: 'object',
    xml: { name: 'pet' },
    properties: {
      id: { type: 'integer', xml: { attribute: true } },
      name: { type: 'string' },
      photoUrls: {
        type: 'array',
        xml: { wrapped: true },
        items: { type: 'string', xml: { name: 'url' } },
      },
      tags: { type: 'array', items: { $ref: '#/components/schemas/Tag' } },
    },
  },
  Tag: { type: 'object', properties: { label: { type: 'string' } } },
};
const resolve = (ref: string): unknown => components[ref.slice(ref.lastIndexOf('/') + 1)];

describe('toXml', () => {
  it('follows the xml object: names, attributes, wrapped and unwrapped arrays; escapes text', () => {
    const xml = toXml(
      {
        id: 7,
        name: 'Tom & <Jerry>',
        photoUrls: ['a', 'b'],
        tags: [{ label: 'x' }, { label: 'y' }],
      },
      { $ref: '#/components/schemas/Pet' },
      resolve,
    );
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<pet id="7"><name>Tom &amp; &lt;Jerry&gt;</name>' +
        '<photoUrls><url>a</url><url>b</url></photoUrls>' +
        '<tags><label>x</label></tags><tags><label>y</label></tags></pet>\n',
    );
  });

  it('names a top-level array and its items by their components, and null as an empty element', () => {
    const xml = toXml(
      [{ label: null }],
      { type: 'array', items: { $ref: '#/components/schemas/Tag' } },
      resolve,
    );
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<root><Tag><label/></Tag></root>\n');
  });

  it('makes property names that are not XML names into valid ones', () => {
    expect(toXml({ '1st key': 'v', 'a:b': true }, {}, resolve)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<root><_1st_key>v</_1st_key><a_b>true</a_b></root>\n',
    );
  });
});
