// The interactive API reference at /docs renders every operation in Chromium under its CSP.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { launchChromium, listenApp, screenshot } from '../support/browser.ts';

let w: ApiWorld;

beforeAll(async () => {
  w = await createApiWorld();
});
afterAll(async () => {
  await w.close();
});

describe('GET /docs', () => {
  test('the reference page renders the operations in Chromium, with no policy violation', async () => {
    const base = await listenApp(w.app);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const res = await page.goto(`${base}/docs`);
      expect(res?.status()).toBe(200);
      await page.waitForSelector('.opblock', { timeout: 30_000 });
      await expect
        .poll(() => page.locator('.opblock-summary-path').allTextContents(), { timeout: 30_000 })
        .toEqual(expect.arrayContaining(['/v1/subscriptions/{id}', '/v1/test_clock/advance']));
      expect(await page.title()).toBe('Dunner API reference');
      await screenshot(page, 'api-reference');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
