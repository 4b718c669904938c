// The dashboard while `serve --demo` prepares the demo after its first start: a banner says how
// far it is and the clock controls wait; when it is done the banner goes and the controls return.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../src/app/access/sessions.ts';
import { type DemoPreparation, reportDemoPreparation } from '../../src/app/demo-preparation.ts';
import { unwrap } from '../../src/app/result.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { launchChromium, listenApp, screenshot } from '../support/browser.ts';

let world: ApiWorld;
let browser: Browser;
let base: string;

beforeAll(async () => {
  world = await createApiWorld();
  unwrap(
    await createOperator(world.db, {
      merchantId: world.merchantId,
      email: 'ops@example.com',
      password: 'correct horse battery',
    }),
  );
  base = await listenApp(world.app);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const walking = (day: number): Omit<DemoPreparation, 'updatedAt'> => ({
  merchantId: '',
  status: 'preparing',
  stage: 'walking',
  customersSeeded: 852,
  customersTotal: 852,
  day,
  days: 60,
  error: null,
});

describe('the demo preparation banner', () => {
  it('follows the walk day by day with the clock controls paused, and leaves when it is ready', async () => {
    reportDemoPreparation({ ...walking(23), merchantId: world.merchantId });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/dashboard/sign-in`);
    await page.getByLabel('Email').fill('ops@example.com');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const banner = page.getByRole('region', { name: /Preparing the demo/ });
    await expect.poll(() => banner.isVisible(), { timeout: 15_000 }).toBe(true);
    await expect(banner.textContent()).resolves.toContain('day 23 of 60');
    const advance = page.getByRole('button', { name: 'Advance 1 day' });
    await expect.poll(() => advance.isDisabled(), { timeout: 15_000 }).toBe(true);
    await screenshot(page, 'dashboard-demo-preparation');

    reportDemoPreparation({ ...walking(41), merchantId: world.merchantId });
    await expect
      .poll(() => page.locator('#demo-preparation-title').textContent(), { timeout: 15_000 })
      .toBe('Preparing the demo: day 41 of 60…');
    expect(await page.locator('#demo-preparation-progress').getAttribute('max')).toBe('60');

    reportDemoPreparation({
      ...walking(60),
      merchantId: world.merchantId,
      status: 'ready',
      stage: null,
    });
    await expect.poll(() => banner.isVisible(), { timeout: 15_000 }).toBe(false);
    await expect.poll(() => advance.isDisabled(), { timeout: 15_000 }).toBe(false);
    await page.close();
  });
});
