// Turns a V8 .cpuprofile (from `node --cpu-prof`, see bench/profile.mjs) into a summary of
// where the time goes, by category and by function, plus folded stacks and an SVG flame graph.
// Only samples from the first HTTP request on are counted (the server's startup — loading
// modules, compiling schemas, opening the state store — is not the hot path); --all keeps all.
//
//   BENCH_KEEP_PROFILE=1 node bench/profile.mjs replay        # prints the kept profile's path
//   node bench/flame.mjs PROFILE.cpuprofile [--svg out.svg] [--folded out.folded] [--all]
//
// Categories are decided by the function running at the sample (self time), from its name and
// source file: see CATEGORIES. Output: a Markdown table on stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    svg: { type: 'string' },
    folded: { type: 'string' },
    all: { type: 'boolean', default: false },
    top: { type: 'string', default: '4' },
  },
});
if (positionals.length !== 1) {
  throw new Error('usage: node bench/flame.mjs PROFILE.cpuprofile [--svg F] [--folded F] [--all]');
}

/**
 * Category of a frame running at a sample: the first rule whose test matches. `name` is the
 * function name, `url` its script (node:… for Node's own JavaScript, empty for native code).
 */
const CATEGORIES = [
  ['GC', (f) => f.name === '(garbage collector)'],
  [
    'tapedeck: lookup (key, index, cursor)',
    (f) => /dist\/core\/matching\/(index|match)\.js/.test(f.url),
  ],
  ['tapedeck: normalization', (f) => /dist\/core\/matching\/(normalize|config)\.js/.test(f.url)],
  ['tapedeck: redaction', (f) => /dist\/(core|app)\/redact/.test(f.url)],
  [
    'tapedeck: journal (state store)',
    (f) => /sqlite|better-sqlite3|state-store|journal|stats\.js/.test(f.url),
  ],
  ['tapedeck: server and pipeline', (f) => /\/dist\//.test(f.url)],
  [
    'HTTP parsing (request line, headers, IncomingMessage)',
    (f) =>
      /node:_http_(common|incoming)/.test(f.url) ||
      /^(parserOn|IncomingMessage|_addHeaderLine|execute)/.test(f.name) ||
      (f.url === 'node:_http_server' && /parserOnIncoming|connectionListener/.test(f.name)),
  ],
  [
    'header serialization (writeHead, _storeHeader)',
    (f) =>
      /node:_http_(outgoing|server)/.test(f.url) &&
      /Header|writeHead|processHeader|_implicitHeader|validateHeader|matchHeader/.test(f.name),
  ],
  [
    'socket write (writev, stream plumbing)',
    (f) =>
      /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/.test(f.name) ||
      /node:internal\/stream_base_commons|node:net|node:internal\/streams\/writable/.test(f.url) ||
      /node:_http_outgoing/.test(f.url),
  ],
  ['HTTP response (ServerResponse, finish)', (f) => /node:_http_server/.test(f.url)],
  [
    'event loop, promises, timers',
    (f) =>
      /node:internal\/(process\/task_queues|timers|async_hooks)|node:events/.test(f.url) ||
      f.name === '(program)',
  ],
  ['other Node internals', (f) => f.url.startsWith('node:')],
  ['regular expressions (native)', (f) => f.name.startsWith('RegExp:')],
  ['other native', (f) => f.url === ''],
  ['other JavaScript', () => true],
];
const CATEGORY_NAMES = CATEGORIES.map(([name]) => name);

function frameOf(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  return {
    name: functionName || '(anonymous)',
    url: url.replace(/^file:\/\//, ''),
    line: lineNumber + 1,
  };
}

function shortUrl(url) {
  if (url.includes('/node_modules/')) return url.replace(/^.*\/node_modules\//, '~/');
  return url.replace(/^.*\/(dist|bench)\//, '$1/');
}

function categoryOf(frame) {
  return CATEGORIES.find(([, test]) => test(frame))[0];
}

const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);

/** The stack of a node, root first, without the synthetic (root). */
const stackCache = new Map();
function stackOf(node) {
  let stack = stackCache.get(node.id);
  if (stack) return stack;
  stack = [];
  for (let n = node; n !== undefined; n = parent.get(n.id)) {
    const f = frameOf(n);
    if (f.name !== '(root)') stack.push(n);
  }
  stack.reverse();
  stackCache.set(node.id, stack);
  return stack;
}

// From the first sample that is parsing an HTTP request, unless --all.
const samples = profile.samples;
const deltas = profile.timeDeltas;
let first = 0;
if (!values.all) {
  first = samples.findIndex((id) =>
    stackOf(byId.get(id)).some((n) => /^parserOn/.test(frameOf(n).name)),
  );
  if (first < 0) first = 0;
}

const selfMs = new Map(); // node -> ms
let busyMs = 0;
let idleMs = 0;
for (let i = first; i < samples.length; i++) {
  const node = byId.get(samples[i]);
  const ms = (deltas[i + 1] ?? 0) / 1000;
  if (frameOf(node).name === '(idle)') {
    idleMs += ms;
    continue;
  }
  busyMs += ms;
  selfMs.set(node, (selfMs.get(node) ?? 0) + ms);
}

// Per category and per function (self time).
const cats = new Map(CATEGORY_NAMES.map((c) => [c, { ms: 0, fns: new Map() }]));
for (const [node, ms] of selfMs) {
  const f = frameOf(node);
  const cat = cats.get(categoryOf(f));
  cat.ms += ms;
  const key = `${f.name} ${f.url ? `${shortUrl(f.url)}:${f.line}` : ''}`.trim();
  cat.fns.set(key, (cat.fns.get(key) ?? 0) + ms);
}
const pct = (ms) => `${((ms / busyMs) * 100).toFixed(1)}%`;
const top = Number(values.top);
console.log(
  `${busyMs.toFixed(0)} ms busy, ${idleMs.toFixed(0)} ms idle${values.all ? ' (whole profile)' : ' (from the first request on)'}\n`,
);
console.log('| category | self time | share | top functions (self time) |');
console.log('| --- | ---: | ---: | --- |');
for (const [name, { ms, fns }] of [...cats].sort((a, b) => b[1].ms - a[1].ms)) {
  if (ms === 0) continue;
  const tops = [...fns]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, t]) => `\`${fn}\` ${pct(t)}`)
    .join(', ');
  console.log(`| ${name} | ${ms.toFixed(0)} ms | ${pct(ms)} | ${tops} |`);
}

// Folded stacks ("a;b;c N", N in microseconds): the input of most flame graph tools.
if (values.folded) {
  const folded = new Map();
  for (const [node, ms] of selfMs) {
    const key = stackOf(node)
      .map((n) => frameOf(n).name.replace(/[; ]/g, '_'))
      .join(';');
    folded.set(key, (folded.get(key) ?? 0) + Math.round(ms * 1000));
  }
  writeFileSync(values.folded, `${[...folded].map(([k, v]) => `${k} ${v}`).join('\n')}\n`);
  console.log(`\nfolded stacks: ${values.folded}`);
}

// SVG flame graph: the call tree (root at the bottom), widths by inclusive time, frames merged
// by function and file among siblings, coloured by category.
if (values.svg) {
  const root = { name: 'all', cat: 'all', ms: 0, children: new Map() };
  for (const [node, ms] of selfMs) {
    root.ms += ms;
    let at = root;
    for (const n of stackOf(node)) {
      const f = frameOf(n);
      const key = `${f.name}@${f.url}:${f.line}`;
      let child = at.children.get(key);
      if (!child) {
        child = {
          name: f.name,
          where: f.url ? `${shortUrl(f.url)}:${f.line}` : '',
          cat: categoryOf(f),
          ms: 0,
          children: new Map(),
        };
        at.children.set(key, child);
      }
      child.ms += ms;
      at = child;
    }
  }
  const width = 1200;
  const rowH = 16;
  let depthMax = 0;
  const rects = [];
  const place = (n, x, depth) => {
    const w = (n.ms / root.ms) * width;
    if (w < 0.3) return;
    depthMax = Math.max(depthMax, depth);
    rects.push({ n, x, w, depth });
    let cx = x;
    for (const c of [...n.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      place(c, cx, depth + 1);
      cx += (c.ms / root.ms) * width;
    }
  };
  place(root, 0, 0);
  const palette = [
    '#e15759',
    '#f28e2b',
    '#edc948',
    '#b07aa1',
    '#ff9da7',
    '#9c755f',
    '#4e79a7',
    '#59a14f',
    '#76b7b2',
    '#86bcb6',
    '#bab0ac',
    '#d4a6c8',
    '#8cd17d',
    '#cccccc',
  ];
  const colour = (cat) =>
    cat === 'all' ? '#dddddd' : palette[CATEGORY_NAMES.indexOf(cat) % palette.length];
  const esc = (s) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const legendH = Math.ceil(CATEGORY_NAMES.length / 3) * rowH + 8;
  const height = (depthMax + 1) * rowH + 40 + legendH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">`,
    `<text x="4" y="14" font-size="13">CPU flame graph: ${esc(positionals[0].replace(/^.*\//, ''))}, ${busyMs.toFixed(0)} ms busy${values.all ? '' : ' from the first request on'}; hover for details</text>`,
  ];
  CATEGORY_NAMES.forEach((cat, i) => {
    const x = (i % 3) * 400 + 4;
    const y = 24 + Math.floor(i / 3) * rowH;
    out.push(
      `<rect x="${x}" y="${y}" width="12" height="12" fill="${colour(cat)}"/><text x="${x + 16}" y="${y + 10}">${esc(cat)}</text>`,
    );
  });
  const base = height - 4;
  for (const { n, x, w, depth } of rects) {
    const y = base - (depth + 1) * rowH;
    const label = `${n.name}${n.where ? ` ${n.where}` : ''} — ${n.ms.toFixed(1)} ms, ${pct(n.ms)}`;
    const chars = Math.floor((w - 4) / 6.6);
    const text =
      chars >= 3
        ? `<text x="${(x + 2).toFixed(1)}" y="${y + 11}">${esc(n.name.length > chars ? `${n.name.slice(0, chars - 1)}…` : n.name)}</text>`
        : '';
    out.push(
      `<g><title>${esc(label)}</title><rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(0.3, w - 0.5).toFixed(1)}" height="${rowH - 1}" fill="${colour(n.cat)}"/>${text}</g>`,
    );
  }
  out.push('</svg>');
  writeFileSync(values.svg, `${out.join('\n')}\n`);
  console.log(`\nflame graph: ${values.svg}`);
}
