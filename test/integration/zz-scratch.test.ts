import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { startSandbox } from '../helpers/sandbox.js';
const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
it('scratch', async () => {
  const sandbox = await startSandbox({ cassettes: fixture('sandbox/widgets-cassettes'), profile: fixture('sandbox/widgets-profile.json') });
  const key = await sandbox.createTenant('r');
  for (const [m, p] of [['POST', '/v1/widgets'], ['POST', '/v1/widgets/wid_R3c0rded000001']]) {
    const r = await fetch(`${sandbox.url}${p}`, { method: m, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"name":"New"}' });
    console.log(m, p, r.status, r.headers.get('x-tapedeck-layer'), (await r.text()).slice(0, 400));
  }
  console.log(JSON.stringify(sandbox.logger.lines));
  await sandbox.stop();
}, 60000);
