// Reads a V8 .cpuprofile (from `node --cpu-prof`) and sums time per function: self time (the
// function itself was running) and inclusive time (it was anywhere on the stack).
import { readFileSync } from 'node:fs';

function describe(callFrame) {
  const { functionName, url, lineNumber } = callFrame;
  const name = functionName || '(anonymous)';
  let short = url.replace(/^file:\/\//, '');
  if (short.includes('/node_modules/')) short = short.replace(/^.*\/node_modules\//, '~/');
  else short = short.replace(/^.*\/(dist|bench)\//, '$1/');
  const where = url === '' ? '' : `${short}:${lineNumber + 1}`;
  return { name, where, key: `${name} ${where}` };
}

/**
 * Top functions by self time and by inclusive time: [{ name, where, ms, share }], where share
 * is of all non-idle time in the profile.
 */
export function profileSummary(file, limit = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);
  const selfByNode = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = (deltas[i + 1] ?? 0) / 1000;
    selfByNode.set(node, (selfByNode.get(node) ?? 0) + dt);
  }
  const self = new Map();
  const inclusive = new Map();
  let busyMs = 0;
  let idleMs = 0;
  for (const [node, ms] of selfByNode) {
    const d = describe(node.callFrame);
    if (d.name === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const s = self.get(d.key) ?? { name: d.name, where: d.where, ms: 0 };
    s.ms += ms;
    self.set(d.key, s);
    // Each function on this sample's stack gets the time once, however often it recurses.
    const seen = new Set();
    for (let n = node; n !== undefined; n = parent.get(n.id)) {
      const f = describe(n.callFrame);
      if (seen.has(f.key)) continue;
      seen.add(f.key);
      const e = inclusive.get(f.key) ?? { name: f.name, where: f.where, ms: 0 };
      e.ms += ms;
      inclusive.set(f.key, e);
    }
  }
  const top = (map, filter = () => true) =>
    [...map.values()]
      .filter(filter)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, limit)
      .map((e) => ({ ...e, share: busyMs === 0 ? 0 : e.ms / busyMs }));
  return {
    busyMs,
    idleMs,
    self: top(self),
    // Inclusive time of tapedeck's own functions (dist/), the ones a change in src/ can move.
    inclusive: top(inclusive, (e) => e.where.startsWith('dist/')),
  };
}
