/**
 * The readiness HTML page in a real browser: Debian's Chromium (never a downloaded build),
 * driven by playwright-core, opens the one file from disk and shows the verdict and one table
 * row per criterion with its verdict; it asks for nothing but the file (no external URL, no
 * script), and a hostile title stays text.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CRITERIA } from '../../src/core/readiness/defaults.js';
import { evaluate } from '../../src/core/readiness/evaluate.js';
import { renderReadinessHtml } from '../../src/core/render/readiness-html.js';
import { tempDir } from '../helpers/tmp.js';
import { evidenceOf, mixedReport, T0 } from '../unit/readiness/fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
let closeBrowser: (() => Promise<void>) | undefined;
afterAll(async () => {
  await closeBrowser?.();
});

describe.skipIf(!hasChromium && process.env['CI'] !== 'true')(
  'readiness HTML in a real browser',
  () => {
    it('shows the verdict and the criteria table, and loads nothing else', async () => {
      const dir = tempDir();
      const report = mixedReport();
      const file = join(dir, 'readiness.html');
      writeFileSync(file, renderReadinessHtml(report));
      const ready = join(dir, 'ready.html');
      writeFileSync(
        ready,
        renderReadinessHtml(evaluate(DEFAULT_CRITERIA, evidenceOf(), T0 + 61_000)),
      );

      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      closeBrowser = () => browser.close();
      try {
        const context = await browser.newContext();
        const page = await context.newPage();
        const requested: string[] = [];
        page.on('request', (r) => requested.push(r.url()));
        const dialogs: string[] = [];
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        await page.goto(pathToFileURL(file).href);

        expect(await page.title()).toBe('Partner readiness: acme');
        const banner = page.locator('#verdict');
        expect(await banner.getAttribute('data-verdict')).toBe('not-ready');
        expect(await banner.innerText()).toContain(
          'Not ready: acme does not meet Acme payments go-live',
        );
        // The banner is styled by the inline CSS: red for not ready.
        // (Expressions as text: the tests' TypeScript has no DOM library.)
        expect(
          await page.evaluate(
            "getComputedStyle(document.querySelector('#verdict')).backgroundColor",
          ),
        ).toBe('rgb(207, 34, 46)');

        const rows = page.locator('#criteria tbody tr');
        expect(await rows.count()).toBe(report.criteria.length);
        const seen =
          await page.evaluate(`[...document.querySelectorAll('#criteria tbody tr')].map((tr) => ({
          id: tr.getAttribute('data-criterion'),
          verdict: tr.querySelector('td.verdict')?.textContent,
          cells: tr.querySelectorAll('td').length,
        }))`);
        expect(seen).toEqual(
          report.criteria.map((c) => ({
            id: c.id,
            verdict: c.verdict === 'not-exercised' ? 'not exercised' : c.verdict,
            cells: 5,
          })),
        );
        const pagination = page.locator('tr[data-criterion="pagination"]');
        expect(await pagination.innerText()).toContain('req_0003');
        // The hostile title is text, not markup: no script ran, no element was made of it.
        const hostile = page.locator('tr[data-criterion="hostile"] td').first();
        expect(await hostile.innerText()).toContain('<script>alert(1)</script>');
        expect(await page.locator('script').count()).toBe(0);
        expect(dialogs).toEqual([]);
        expect(await page.locator('#coverage').innerText()).toContain('not exercised: PostRefunds');

        await page.goto(pathToFileURL(ready).href);
        expect(await page.locator('#verdict').getAttribute('data-verdict')).toBe('ready');
        expect(await page.locator('#criteria tbody tr.pass').count()).toBe(9);

        expect(requested).toEqual([pathToFileURL(file).href, pathToFileURL(ready).href]);
        await context.close();
      } finally {
        await closeBrowser();
        closeBrowser = undefined;
      }
    }, 60_000);
  },
);
