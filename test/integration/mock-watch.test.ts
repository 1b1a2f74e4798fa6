import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import type { CollectingLogger } from '../helpers/logger.js';
import { send } from '../helpers/client.js';
import { tmpDir } from '../helpers/tmp.js';
import { SPECS, startMock } from './mock-support.js';

afterEach(runCleanups);

function events(logger: CollectingLogger, event: string) {
  return logger.lines.filter((l) => l.event === event);
}

describe('tapedeck mock --watch', () => {
  it('reloads a changed spec, keeps the last good one on a broken edit, and watches referenced files', async () => {
    const dir = await tmpDir();
    const multi = join(dir, 'multi');
    await mkdir(join(multi, 'paths'), { recursive: true });
    await mkdir(join(multi, 'schemas'), { recursive: true });
    for (const file of [
      'openapi.yaml',
      'parameters.yaml',
      'paths/widgets.yaml',
      'schemas/widget.yaml',
      'schemas/part.yaml',
    ])
      await writeFile(join(multi, file), await readFile(join(SPECS, 'multi', file)));
    const main = join(multi, 'openapi.yaml');
    const { url, logger } = await startMock(main, { watch: true });
    expect((await send(url, '/widgets/w-100')).status).toBe(200);
    expect((await send(url, '/gadgets')).status).toBe(404);

    // A broken edit (a $ref to nothing): the old spec keeps serving, and the log says why.
    const good = await readFile(main, 'utf8');
    await writeFile(main, good.replace("'./schemas/widget.yaml'", "'#/components/schemas/Nope'"));
    await logger.waitFor('mock.reload_failed');
    const failed = events(logger, 'mock.reload_failed')[0]!;
    expect(failed.message).toContain('openapi.yaml');
    expect(failed.fields['pointer']).toBe(
      '/paths/~1widgets~1{widgetId}/get/responses/200/content/application~1json/schema/$ref',
    );
    expect((await send(url, '/widgets/w-100')).status).toBe(200);

    // A good edit, saved the way editors do (write elsewhere, rename over): reloaded.
    const fixed = `${good}  /gadgets:\n    get:\n      responses:\n        '200':\n          description: Gadgets.\n          content:\n            application/json:\n              schema: { type: array, maxItems: 0 }\n`;
    await writeFile(`${main}.tmp`, fixed);
    await rename(`${main}.tmp`, main);
    await logger.waitFor('mock.reloaded');
    expect((await send(url, '/gadgets')).json()).toEqual([]);

    // A referenced file changes: the pattern of a widget id.
    const reloads = events(logger, 'mock.reloaded').length;
    const parameters = join(multi, 'parameters.yaml');
    await writeFile(
      parameters,
      (await readFile(parameters, 'utf8')).replace('[0-9]{3}', () => '[0-9]{4}'),
    );
    await logger.waitFor('mock.reloaded', reloads + 1);
    expect((await send(url, '/widgets/w-100')).status).toBe(400);
    expect((await send(url, '/widgets/w-1000')).status).toBe(200);
  });

  it('survives a deleted then recreated spec, and stops watching when stopped', async () => {
    const dir = await tmpDir();
    const main = join(dir, 'petstore.yaml');
    const text = await readFile(join(SPECS, 'petstore-3.0.yaml'), 'utf8');
    await writeFile(main, text);
    const { url, logger, server } = await startMock(main, { watch: true });
    const key = { headers: { 'x-api-key': 'k' } };
    expect((await send(url, '/v1/pets', key)).status).toBe(200);

    await rm(main);
    await logger.waitFor('mock.reload_failed');
    expect(events(logger, 'mock.reload_failed')[0]!.message).toContain('does not exist');
    expect((await send(url, '/v1/pets', key)).status).toBe(200);

    await writeFile(main, text.replace('operationId: listPets', 'operationId: listAllPets'));
    await logger.waitFor('mock.reloaded');
    const bad = await send(url, '/v1/pets?limit=0', key);
    expect((bad.json() as { operation: string }).operation).toBe('listAllPets');

    const summary = await server.stop();
    await writeFile(main, text);
    // Nothing must happen now: the wait is the behaviour under test (longer than the watcher's
    // 100 ms debounce, so a reload that was going to happen would have).
    await sleep(400);
    expect(server.summary().reloads).toBe(summary.reloads);
    expect(events(logger, 'mock.reloaded')).toHaveLength(summary.reloads);
  });
});
