// The time budgets that used to be asserted inside unit tests (where a loaded CI runner made
// them flaky): each case is timed here, in a process of its own, and printed as one JSON line
// for bench/scenarios/budgets.mjs. The tests keep the correctness of the same cases.
//   test/unit/mock-routing.test.ts      a spec of 3,000 operations: compile, 10,000 lookups
//   test/unit/mock/large-spec.test.ts   300 interlinked schemas: convert, generate per value
//   test/unit/mock/generate.test.ts     a typical 25-field response; a branching recursion
//   test/unit/graphql-http.test.ts      refusing too-large operations before executing them
import { performance } from 'node:perf_hooks';
import { TextEncoder } from 'node:util';
import { generateValue } from '../dist/core/mock/generate/generate.js';
import { seededRng } from '../dist/core/mock/generate/random.js';
import { createGraphqlMock } from '../dist/core/mock/graphql/mock.js';
import { CompiledSpec } from '../dist/core/mock/openapi/compiled.js';
import { resolveLocalRef, toJsonSchemaDocument } from '../dist/core/mock/openapi/schema.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR } from './lib/servers.mjs';

/** Milliseconds that `f` takes (the best of `runs`, so a single preemption does not count). */
async function time(f, runs = 3) {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await f();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

function routingSpec() {
  const paths = {};
  const schemas = {};
  for (let i = 0; i < 1000; i++) {
    schemas[`Thing${i}`] = {
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string' },
        next: { $ref: `#/components/schemas/Thing${(i + 1) % 1000}` },
      },
    };
    const ok = {
      200: {
        description: 'ok',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/Thing${i}` } } },
      },
    };
    paths[`/r${i}`] = { get: { responses: ok }, post: { responses: ok } };
    paths[`/r${i}/{id}/items/{item}`] = { get: { responses: ok } };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Large', version: '1' },
    paths,
    components: { schemas },
  };
}

/** 300 schemas with cycles, allOf chains, oneOf, formats and patterns (as large-spec.test.ts). */
function syntheticSpec(count = 300) {
  const schemas = {};
  const BLOCK = 20;
  let current = 0;
  const ref = (i) => ({
    $ref: `#/components/schemas/S${current - (current % BLOCK) + (i % BLOCK)}`,
  });
  const formats = [
    'date-time',
    'date',
    'email',
    'uuid',
    'uri',
    'ipv4',
    'int64-string',
    'byte',
    'hostname',
  ];
  for (let i = 0; i < count; i++) {
    current = i;
    const format = formats[i % formats.length];
    const properties = {
      id: { type: 'string', readOnly: true },
      created_at: { type: 'integer', format: 'int64' },
      [`field_${i}`]:
        format === 'int64-string'
          ? { type: 'string', pattern: '^[0-9]{1,18}$' }
          : { type: 'string', format },
      status: { type: 'string', enum: ['active', 'inactive', 'pending'], nullable: i % 2 === 0 },
      amount: { type: 'number', minimum: 0, exclusiveMinimum: i % 3 === 0, multipleOf: 0.01 },
      secret: { type: 'string', writeOnly: true, minLength: 8 },
      code: { type: 'string', pattern: `^[A-Z]{2}-${i}-[a-z0-9]{2,4}$` },
      next: { ...ref(i + 1), nullable: true },
      children: { type: 'array', items: ref(i * 7 + 3), maxItems: 3 },
      self: ref(i),
      meta: { type: 'object', additionalProperties: { type: 'string', maxLength: 10 } },
    };
    if (i % 10 === 0) schemas[`S${i}`] = { oneOf: [ref(i + 1), ref(i + 2)] };
    else if (i % 5 === 0)
      schemas[`S${i}`] = {
        allOf: [
          ref(i + 1),
          { type: 'object', required: ['extra'], properties: { extra: { type: 'boolean' } } },
        ],
      };
    else
      schemas[`S${i}`] = {
        type: 'object',
        required: ['id', 'secret', 'created_at', 'kind', 'code'],
        properties: { ...properties, kind: { type: 'string', enum: [`S${i}`] } },
      };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'synthetic', version: '1' },
    paths: {},
    components: { schemas },
  };
}

function typicalSchema() {
  const names = [
    'id',
    'email',
    'first_name',
    'last_name',
    'phone',
    'created_at',
    'updated_at',
    'currency',
    'country',
    'city',
    'amount',
    'status',
    'description',
    'url',
    'uuid',
  ];
  const properties = {};
  for (const n of names) properties[n] = { type: n === 'amount' ? 'integer' : 'string' };
  for (let i = 0; i < 10; i++)
    properties[`field_${i}`] = { type: i % 2 === 0 ? 'number' : 'boolean' };
  properties.items = {
    type: 'array',
    items: {
      type: 'object',
      properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
    },
  };
  return { type: 'object', properties, required: names };
}

function graphqlPost(mock, query) {
  const body = new TextEncoder().encode(JSON.stringify({ query }));
  return mock.handle({
    method: 'POST',
    target: '/graphql',
    path: '/graphql',
    rawQuery: '',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    rawBody: body,
    signal: new globalThis.AbortController().signal,
  });
}

async function main() {
  const out = {};
  // Routing: a spec of 3,000 operations.
  const large = routingSpec();
  let spec;
  out.compile3000Ms = await time(() => {
    spec = new CompiledSpec({
      file: 'large.json',
      document: large,
      dialect: 'openapi-3.1',
      files: [],
    });
  });
  out.route10kMs = await time(() => {
    for (let i = 0; i < 10_000; i++) {
      if (spec.router.route('GET', `/r${i % 1000}/x/items/y`).kind !== 'operation')
        throw new Error('no route');
    }
  });
  // A large synthetic spec: conversion, and generation per value.
  const synthetic = syntheticSpec();
  let converted;
  out.convert300Ms = await time(() => {
    converted = toJsonSchemaDocument(synthetic, 'openapi-3.0', 'response');
  });
  const resolve = (r) => resolveLocalRef(converted, r);
  let generated = 0;
  const generateAll = await time(() => {
    for (let i = 0; i < 300; i++) {
      for (const seed of [1, 2]) {
        generateValue(
          { $ref: `#/components/schemas/S${i}` },
          { rng: seededRng(seed, `S${i}`), resolve },
        );
        generated++;
      }
    }
  }, 1);
  out.generatePerValueMs = generateAll / generated;
  // A typical response: the median of 200 generations, after 200 to warm up.
  const typical = typicalSchema();
  const none = () => undefined;
  for (let i = 0; i < 200; i++)
    generateValue(typical, { rng: seededRng(i, 'warm'), resolve: none });
  const times = [];
  for (let i = 0; i < 200; i++) {
    const start = performance.now();
    generateValue(typical, { rng: seededRng(i, 'timed'), resolve: none });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  out.generateTypicalMedianMs = times[100];
  // A required recursion that branches: stopped with an issue, not explored.
  const node = {
    type: 'object',
    required: ['child', 'kids'],
    properties: {
      child: { $ref: '#/Node' },
      kids: { type: 'array', minItems: 2, items: { $ref: '#/Node' } },
    },
  };
  out.branchingRecursionMs = await time(
    () =>
      generateValue(
        { $ref: '#/Node' },
        { rng: seededRng(1, 'deep'), resolve: () => node, onIssue: () => undefined },
      ),
    1,
  );
  // GraphQL: operations refused as too large, before anything is executed.
  const sdl = readFileSync(join(REPO_DIR, 'test', 'fixtures', 'graphql', 'shop.graphql'), 'utf8');
  const shop = () => createGraphqlMock(sdl, 'shop.graphql', { seed: 'http' });
  const deep =
    '{ users(first: 100) { nodes { friends(first: 100) { friends(first: 100) { id email } } } } }';
  out.graphqlRefuseDeepMs = await time(async () => {
    const r = await graphqlPost(shop(), deep);
    if (!r.body.includes('QUERY_TOO_LARGE')) throw new Error(`deep query not refused: ${r.body}`);
  });
  let fanOut = '{ users(first: 0) { nodes { ...L0 } } }';
  for (let i = 0; i < 40; i++)
    fanOut += ` fragment L${i} on User { a: friends(first: 0) { ...L${i + 1} } b: friends(first: 0) { ...L${i + 1} } }`;
  fanOut += ' fragment L40 on User { id }';
  out.graphqlFanOutEstimateMs = await time(async () => {
    const r = await graphqlPost(shop(), fanOut);
    if (!r.body.includes('QUERY_TOO_LARGE')) throw new Error(`fan-out not refused: ${r.body}`);
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
