// The dashboard's settings page in headless Chromium: the hard-decline dunning switch shows its
// state, says why it cannot be turned on before the operator makes it available, and once it is
// available turns the feature on and off through /v1/merchant.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../src/app/access/sessions.ts';
import { unwrap } from '../../src/app/result.ts';
import { setHardDeclineDunning } from '../../src/app/use-cases/hard-decline-dunning.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { launchChromium, listenApp, screenshot } from '../support/browser.ts';
import { day } from '../support/world.ts';

let world: ApiWorld;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  world = await createApiWorld({ start: day('2026-03-01') });
  unwrap(
    await createOperator(world.db, {
      merchantId: world.merchantId,
      email: 'ops@example.com',
      password: 'correct horse battery',
    }),
  );
  base = await listenApp(world.app);
  browser = await launchChromium();
  const context = await browser.newContext({
    locale: 'en-US',
    viewport: { width: 1280, height: 800 },
  });
  page = await context.newPage();
  await page.goto(`${base}/dashboard/sign-in?next=/dashboard/settings`);
  await page.getByLabel('Email').fill('ops@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForSelector('main[aria-busy="false"] h1');
});

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const toggle = () =>
  page.getByRole('switch', { name: 'Send a message at once after a hard-declined renewal' });
const merchantSwitch = async () =>
  (await world.api('GET', '/v1/merchant')).body.hard_decline_dunning;

async function openSettings() {
  await page.goto(`${base}/dashboard/settings`);
  await page.waitForSelector('main[aria-busy="false"] h1');
}

describe('settings: hard-decline dunning', () => {
  it('cannot be turned on before the operator makes it available, and says why', async () => {
    await openSettings();
    await expect(page.locator('h1').textContent()).resolves.toBe('Settings');
    await expect(toggle().isDisabled()).resolves.toBe(true);
    await expect(toggle().isChecked()).resolves.toBe(false);
    await expect(page.locator('#hard-decline-dunning-state').textContent()).resolves.toBe(
      'not available',
    );
    await expect(page.locator('#hard-decline-reason').textContent()).resolves.toMatch(
      /Whoever runs this Dunner deployment makes it available first/,
    );
    await screenshot(page, 'settings-hard-decline-unavailable');
  });

  it('once available, turns it on and off, and the API says so', async () => {
    // The operator: `dunner merchant hard-decline-dunning --available <merchant>`.
    unwrap(
      await setHardDeclineDunning(world.deps, { merchantId: world.merchantId, available: true }),
    );
    await openSettings();
    await expect(toggle().isDisabled()).resolves.toBe(false);
    await expect(page.locator('#hard-decline-dunning-state').textContent()).resolves.toBe('off');
    await expect(page.locator('#hard-decline-reason').isVisible()).resolves.toBe(false);

    await toggle().check();
    await page.getByText('Hard-decline dunning is on').first().waitFor();
    await expect(page.locator('#hard-decline-dunning-state').textContent()).resolves.toBe('on');
    expect(await merchantSwitch()).toEqual({ available: true, active: true });
    await screenshot(page, 'settings-hard-decline-on');

    // The state survives a reload; turning it off reaches the API too.
    await openSettings();
    await expect(toggle().isChecked()).resolves.toBe(true);
    await toggle().uncheck();
    await page.getByText('Hard-decline dunning is off').first().waitFor();
    expect(await merchantSwitch()).toEqual({ available: true, active: false });
  });
});

describe('settings: control group', () => {
  it('holds out the share typed in, refuses one over 50 %, and the overview says the group is off until then', async () => {
    await page.goto(`${base}/dashboard/`);
    await page.waitForSelector('[data-kpi="control_group"]');
    await expect(page.locator('[data-kpi="control_group"]').textContent()).resolves.toContain(
      'Control group off',
    );
    await openSettings();
    const share = page.getByLabel('Hold out (% of new cases)');
    await expect(share.inputValue()).resolves.toBe('0');
    await share.fill('80');
    await page.getByRole('button', { name: 'Save' }).click();
    // The form itself refuses it (0 to 50), and nothing reaches the API.
    await expect(
      page.evaluate("document.getElementById('control-share').validity.rangeOverflow"),
    ).resolves.toBe(true);
    expect((await world.api('GET', '/v1/merchant')).body.control_share).toBe(0);
    await share.fill('10');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('10 % of new cases now run at fixed step times').first().waitFor();
    expect((await world.api('GET', '/v1/merchant')).body.control_share).toBe(0.1);
    await screenshot(page, 'settings-control-group');
    await page.goto(`${base}/dashboard/`);
    await page.waitForSelector('[data-kpi="control_group"]');
    await expect(page.locator('[data-kpi="control_group"]').textContent()).resolves.toContain(
      '10.0% of new cases are held out',
    );
  });
});
