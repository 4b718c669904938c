// The hosted update page in headless Chromium with JavaScript turned off, as a customer with the
// most basic browser uses it: update the card, authenticate (SCA), and the links that no longer
// work. Each page is saved under test-output/screenshots/hosted-*.png.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { createHostedWorld, type HostedWorld } from '../hosted/hosted-world.ts';
import { launchChromium, listenApp, screenshot } from '../support/browser.ts';

let w: HostedWorld;
let browser: Browser;
let base: string;

beforeAll(async () => {
  w = await createHostedWorld();
  base = await listenApp(w.app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

async function withPage<T>(
  viewport: { width: number; height: number },
  run: (page: Page) => Promise<T>,
): Promise<T> {
  const context: BrowserContext = await browser.newContext({ javaScriptEnabled: false, viewport });
  try {
    return await run(await context.newPage());
  } finally {
    await context.close();
  }
}
const DESKTOP = { width: 1024, height: 800 };
const PHONE = { width: 360, height: 740 };

/** Text elements whose colour against their background is below WCAG AA (4.5:1). */
async function lowContrast(page: Page): Promise<string[]> {
  // Runs in the page, given as a string: the page itself has JavaScript off, evaluate still works.
  return page.evaluate(`(() => {
    const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const bad = [];
    for (const el of document.querySelectorAll('h1, h2, p, dt, dd, label, a, button, li, input')) {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
      if (el.closest('.visually-hidden')) continue;
      const l1 = lum(rgb(style.color).slice(0, 3));
      const l2 = lum(background(el));
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      if (ratio < 4.5) bad.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
    }
    return bad;
  })()`);
}

describe('the hosted update page in Chromium', () => {
  it('update card: a declined card shows a message, a new card is charged and the case recovers', async () => {
    const o = await w.owing({ card: 'stolen' });
    await withPage(DESKTOP, async (page) => {
      const res = await page.goto(`${base}${o.path}`);
      expect(res!.status()).toBe(200);
      await expect(page.title()).resolves.toBe('Update your payment method — Scenario Co');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Update your payment method',
      );
      const summary = await page.locator('.summary').textContent();
      expect(summary).toContain('Pro plan');
      expect(summary).toContain('$20.00');
      expect(summary).toContain('Visa •••• ending in 9979, expires 12/2030');
      expect(await lowContrast(page)).toEqual([]);
      // Keyboard order: card number, expiry, then the pay button.
      const order: string[] = [];
      for (let i = 0; i < 3; i++) {
        await page.keyboard.press('Tab');
        order.push(
          await page.evaluate('document.activeElement.id || document.activeElement.textContent'),
        );
      }
      expect(order).toEqual(['card_number', 'exp', 'Pay $20.00']);
      await screenshot(page, 'hosted-pay');

      // Nothing typed: the errors sit beside the fields and the first one has the focus.
      await page.getByRole('button', { name: 'Pay $20.00' }).click();
      await page.getByText('There is a problem').waitFor();
      expect(await page.evaluate('document.activeElement.id')).toBe('card_number');
      const cardField = page.getByRole('textbox', { name: 'Card number' });
      expect(await cardField.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('.error-summary li').allTextContents()).toEqual([
        'Enter your card number.',
        'Enter the expiry date, as MM/YY.',
      ]);
      await screenshot(page, 'hosted-errors');

      // A declined card: a clear message that names no reason, and the form to try another.
      await cardField.fill(TEST_CARDS.generic_decline.number);
      await page.getByLabel('Expiry date').fill('12/30');
      await page.getByRole('button', { name: 'Pay $20.00' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(
        'Your card ending in 0002 was declined, so nothing was charged.',
      );
      await screenshot(page, 'hosted-declined');

      await page.getByLabel('Card number').fill('4242 4242 4242 4242');
      await page.getByLabel('Expiry date').fill('12/30');
      await page.getByRole('button', { name: 'Pay $20.00' }).click();
      await page
        .getByRole('heading', { name: 'Payment received — your subscription is active' })
        .waitFor();
      expect(await page.getByRole('status').textContent()).toContain(
        'We charged $20.00 to Visa •••• ending in 4242',
      );
      await screenshot(page, 'hosted-paid');
    });
    expect((await w.caseRow(o.caseId)).status).toBe('recovered');
    expect(await w.subscription(o.subscriptionId)).toMatchObject({
      state: 'active',
      balanceMinor: 0,
    });
    expect((await w.gatewayCharges(o.subscriptionId)).map((c) => c.outcome)).toEqual([
      'declined',
      'declined',
      'succeeded',
    ]);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const o = await w.owing({
      card: 'expired',
      currency: 'EUR',
      locale: 'de-DE',
      priceMinor: 4990,
    });
    await withPage(PHONE, async (page) => {
      await page.goto(`${base}${o.path}`);
      const widths = (await page.evaluate(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      )) as [number, number];
      expect(widths[0]).toBeLessThanOrEqual(widths[1]);
      expect(await page.locator('.summary').textContent()).toMatch(/49,90\s€/);
      expect(await lowContrast(page)).toEqual([]);
      await screenshot(page, 'hosted-pay-phone');
    });
  });

  it('SCA: the customer confirms with their bank, the payment is authenticated and the case recovers', async () => {
    const o = await w.owing({ card: 'authentication_required' });
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${base}${o.path}`);
      await page.getByRole('heading', { name: 'Confirm this payment with your bank' }).waitFor();
      expect(await lowContrast(page)).toEqual([]);
      await screenshot(page, 'hosted-sca');

      await page.getByRole('link', { name: 'Confirm payment with your bank' }).click();
      await page.getByText('Test Bank').waitFor();
      expect(await page.locator('dl').textContent()).toContain('$20.00');
      expect(await lowContrast(page)).toEqual([]);
      await screenshot(page, 'hosted-challenge');

      await page.getByRole('button', { name: 'Approve' }).click();
      await page
        .getByRole('heading', { name: 'Payment received — your subscription is active' })
        .waitFor();
      await screenshot(page, 'hosted-sca-paid');
    });
    expect((await w.caseRow(o.caseId)).status).toBe('recovered');
    const charges = await w.gatewayCharges(o.subscriptionId);
    expect(charges.map((c) => c.outcome)).toEqual(['declined', 'succeeded']);
    expect(charges[0]!.token).toBe(charges[1]!.token);
    expect((await w.attempts(o.subscriptionId)).at(-1)!.why).toContain('authenticated');
  });

  it('an expired link shows a clear page and nothing from the merchant', async () => {
    const o = await w.owing({ card: 'generic_decline', linkTtlMs: 30 * 60_000 });
    await w.advanceTo(new Date((await w.now()).getTime() + 31 * 60_000));
    await withPage(DESKTOP, async (page) => {
      const res = await page.goto(`${base}${o.path}`);
      expect(res!.status()).toBe(410);
      await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
      const text = await page.locator('body').textContent();
      for (const secret of ['Scenario Co', 'Pro plan', '20.00', o.caseId])
        expect(text).not.toContain(secret);
      expect(await page.locator('form').count()).toBe(0);
      await screenshot(page, 'hosted-expired');
    });
  });

  it('a tampered link shows a clear page and nothing from the merchant', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const tampered = o.token.replace(/\.[^.]+$/, '.forged-signature');
    await withPage(DESKTOP, async (page) => {
      const res = await page.goto(`${base}/pay/${tampered}`);
      expect(res!.status()).toBe(404);
      await page.getByRole('heading', { name: "This link doesn't work" }).waitFor();
      const text = await page.locator('body').textContent();
      for (const secret of ['Scenario Co', 'Pro plan', '20.00', o.caseId])
        expect(text).not.toContain(secret);
      await screenshot(page, 'hosted-tampered');
    });
    expect((await w.linkRow(o.linkId)).visits).toBe(0);
  });
});
