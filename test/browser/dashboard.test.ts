// The operator dashboard in headless Chromium, against the app serving a test merchant whose test
// clock has run five weeks of dunning: what an operator reads on each page must be what the API
// says, and what they do there must change what the API says.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../src/app/access/sessions.ts';
import { dispatchDueMessages } from '../../src/app/messages/dispatch.ts';
import { unwrap } from '../../src/app/result.ts';
import { setHardDeclineDunning } from '../../src/app/use-cases/hard-decline-dunning.ts';
import { startSmtpServer } from '../messages/support.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { launchChromium, listenApp, screenshot } from '../support/browser.ts';
import { day } from '../support/world.ts';

let world: ApiWorld;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let browser: Browser;
let base: string;
/** The signed-in operator's page, shared by the tests in order. */
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];
const subs: Record<string, string> = {};

// Node and Chromium share ICU: the test formats figures as the page does for en-US.
const money = (minor: number, currency: string) => {
  const f = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / 10 ** digits);
};
const percent = (ratio: number | null) =>
  ratio === null
    ? '—'
    : new Intl.NumberFormat('en-US', {
        style: 'percent',
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
      }).format(ratio);

beforeAll(async () => {
  // Gentle 30-day preset, fixed schedule at 00:00 UTC: day 1 message, retries on days 4, 8, 13,
  // 19 and 25, cancel on day 30.
  smtp = await startSmtpServer();
  world = await createApiWorld({ start: day('2026-02-01'), config: { smtpUrl: smtp.url } });
  // Hard-decline dunning on: the stolen card's renewal sends one email at once.
  unwrap(
    await setHardDeclineDunning(world.deps, {
      merchantId: world.merchantId,
      available: true,
      active: true,
    }),
  );
  const s = (name: string, id: Promise<string>) => id.then((v) => (subs[name] = v));
  // Canceled by dunning in March (MRR lost): a stolen card and an expired one.
  await s('stolen', world.subscribe({ card: 'stolen', periodStart: day('2026-01-03') }));
  await s('expired', world.subscribe({ card: 'expired', periodStart: day('2026-01-05') }));
  // Recovered in February and March (MRR saved): funds arrive before the day-13 retry.
  await s(
    'recovers_feb',
    world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: day('2026-02-20'),
      periodStart: day('2026-01-10'),
      priceMinor: 4900,
    }),
  );
  await s(
    'recovers_mar',
    world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: day('2026-03-01'),
      periodStart: day('2026-01-20'),
      priceMinor: 2900,
    }),
  );
  // Open on March 10.
  await s('funds', world.subscribe({ card: 'insufficient_funds', periodStart: day('2026-02-01') }));
  await s('generic', world.subscribe({ card: 'generic_decline', periodStart: day('2026-02-08') }));
  await s('expired_open', world.subscribe({ card: 'expired', periodStart: day('2026-02-07') }));
  await s(
    'yen',
    world.subscribe({
      card: 'insufficient_funds',
      periodStart: day('2026-02-06'),
      priceMinor: 3000,
      currency: 'JPY',
    }),
  );
  // Fails on March 9; its day-8 retry on March 16 finds the money.
  await s(
    'recovers_later',
    world.subscribe({
      card: 'insufficient_funds_until',
      succeedsFrom: day('2026-03-14'),
      periodStart: day('2026-02-09'),
      priceMinor: 3900,
    }),
  );
  await s('paying', world.subscribe({ card: 'success', periodStart: day('2026-01-15') }));
  // The clock stops at noon each week, out of the quiet hours, and the messages the steps queued
  // go out by email there (a hard-decline email only works while its link does).
  const clock = world.deps.clock as unknown as { set(d: Date): void };
  for (const stop of ['02-03', '02-10', '02-17', '02-24', '03-03', '03-10']) {
    const noon = new Date(`2026-${stop}T12:00:00Z`);
    await world.advanceTo(noon);
    clock.set(noon);
    await dispatchDueMessages(world.services, {
      limit: 500,
      workerId: 'test',
      leaseMs: 60_000,
      merchantId: world.merchantId,
      log: () => {},
    });
  }
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
  await smtp?.close();
});

async function newPage(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({
    locale: 'en-US',
    viewport: options.viewport ?? { width: 1280, height: 900 },
  });
  const p = await ctx.newPage();
  p.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${p.url()}: ${m.text()}`);
  });
  return { context: ctx, page: p };
}

/** Waits until the app has rendered a page (its main region is no longer busy). */
async function settled(p: Page) {
  await p.waitForSelector('main[aria-busy="false"] h1');
}

/** One attribute of every element a locator finds, in page order. */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  const values: (string | null)[] = [];
  for (const el of await locator.all()) values.push(await el.getAttribute(name));
  return values;
}

/** Text in the page itself, not the screen-reader announcement that repeats it. */
const inMain = (text: string | RegExp) => page.locator('main').getByText(text);

async function go(path: string) {
  await page.goto(`${base}${path}`);
  await settled(page);
}

const api = async (url: string) => {
  const res = await world.api('GET', url);
  expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
};

describe('signing in', () => {
  it('shows nothing of the dashboard without a session: pages go to the sign-in page', async () => {
    const { context: ctx, page: p } = await newPage();
    await p.goto(`${base}/dashboard/cases?state=open`);
    const url = new URL(p.url());
    expect(url.pathname).toBe('/dashboard/sign-in');
    expect(url.searchParams.get('next')).toBe('/dashboard/cases?state=open');
    await expect(p.getByRole('heading', { name: 'Dunner' }).isVisible()).resolves.toBe(true);
    const script = await p.request.get(`${base}/dashboard/assets/app.js`);
    expect(script.status()).toBe(401);
    const data = await p.request.get(`${base}/v1/dunning_cases`);
    expect(data.status()).toBe(401);
    await screenshot(p, 'dashboard-sign-in');
    await ctx.close();
  });

  it('signs an operator in with email and password, back to the page they asked for', async () => {
    const { context: ctx, page: p } = await newPage();
    await p.goto(`${base}/dashboard/cases`);
    await p.getByLabel('Email').fill('ops@example.com');
    await p.getByLabel('Password').fill('not the password');
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(p.getByRole('alert').textContent()).resolves.toContain(
      'That email and password do not match an operator.',
    );
    await p.getByLabel('Password').fill('correct horse battery');
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.waitForURL(`${base}/dashboard/cases`);
    await settled(p);
    await expect(p.locator('h1').textContent()).resolves.toBe('Cases');
    const cookie = (await ctx.cookies()).find((c) => c.name === 'dunner_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    await ctx.close();
  });

  it('signs in with an API key; the app is served under a strict Content-Security-Policy', async () => {
    ({ context, page } = await newPage());
    await page.goto(`${base}/dashboard/`);
    await page.getByLabel('API key', { exact: true }).fill('dk_test_not_a_key');
    await page.getByRole('button', { name: 'Sign in with the key' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'That API key is not valid.',
    );
    await page.getByLabel('API key', { exact: true }).fill(world.key);
    await page.getByRole('button', { name: 'Sign in with the key' }).click();
    await page.waitForURL(`${base}/dashboard/`);
    await settled(page);
    const res = await page.request.get(`${base}/dashboard/`);
    const csp = res.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await expect(page.locator('#merchant-name').textContent()).resolves.toBe('Scenario Co');
  });
});

describe('overview', () => {
  it('shows the recovery KPIs of the period exactly as GET /v1/metrics computes them', async () => {
    await go('/dashboard/');
    const m = await api('/v1/metrics?granularity=day');
    // The seeded month has every kind of outcome, so none of these is a zero that proves nothing.
    expect(m.subscriptions_recovered).toBe(2);
    expect(m.subscriptions_ended).toBe(2);
    expect(m.at_risk.open_cases).toBeGreaterThanOrEqual(5);

    const tile = (key: string) => page.locator(`[data-kpi="${key}"] .kpi-value`);
    const usd = m.currencies.find((c: { currency: string }) => c.currency === 'USD');
    const jpy = m.currencies.find((c: { currency: string }) => c.currency === 'JPY');
    expect(usd.mrr_saved_in_cents).toBe(4900 + 2900);
    expect(usd.mrr_lost_in_cents).toBe(2000 + 2000);
    const rates = await tile('recovery_rate').locator('.money-line').allTextContents();
    expect(rates[0]).toBe(`${percent(usd.recovery_rate)}of USD`);
    expect(rates[1]).toBe(`${percent(jpy.recovery_rate)}of JPY`);
    await expect(tile('churn_rate').textContent()).resolves.toContain(percent(m.churn.rate));
    await expect(tile('mrr_saved').locator('[data-currency="USD"]').textContent()).resolves.toBe(
      money(usd.mrr_saved_in_cents, 'USD'),
    );
    await expect(tile('mrr_lost').locator('[data-currency="USD"]').textContent()).resolves.toBe(
      money(usd.mrr_lost_in_cents, 'USD'),
    );
    await expect(tile('open_cases').textContent()).resolves.toMatch(
      new RegExp(`^${m.at_risk.open_cases}`),
    );
    for (const c of m.at_risk.currencies)
      await expect(
        tile('amount_at_risk').locator(`[data-currency="${c.currency}"]`).textContent(),
      ).resolves.toBe(money(c.amount_in_cents, c.currency));

    // Charts are drawn (Chart.js) and each has its figures as a table.
    await expect(page.locator('[data-chart] canvas').count()).resolves.toBe(6);
    await expect(page.evaluate('typeof window.Chart')).resolves.toBe('function');
    const categories = page.locator('[data-chart="chart-decline_category"]');
    await categories.getByText('Data table').click();
    for (const row of m.breakdowns.decline_category) {
      const cells = await categories.locator(`tr[data-key="${row.key}"] td`).allTextContents();
      expect(cells.slice(0, 3)).toEqual([
        String(row.cases.opened),
        String(row.cases.recovered),
        String(row.cases.open),
      ]);
    }
    await screenshot(page, 'dashboard-overview');
  });

  it('charts a chosen period by week with the same buckets as the API', async () => {
    await go('/dashboard/');
    await page.getByLabel('From').fill('2026-02-02');
    await page.getByLabel('To (inclusive)').fill('2026-03-08');
    await page.getByLabel('Charts by').selectOption('week');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL(/granularity=week/);
    await settled(page);
    const m = await api(
      '/v1/metrics?granularity=week&from=2026-02-02T00:00:00.000Z&to=2026-03-09T00:00:00.000Z',
    );
    expect(m.series).toHaveLength(5);
    const rates = page.locator('[data-chart="chart-rates"]');
    await rates.getByText('Data table').click();
    await expect(rates.locator('tbody tr').count()).resolves.toBe(m.series.length);
    await expect(page.getByTestId('period').textContent()).resolves.toContain(
      'Feb 2, 2026 – Mar 8, 2026',
    );
    const usd = m.currencies.find((c: { currency: string }) => c.currency === 'USD');
    await expect(
      page.locator('[data-kpi="mrr_saved"] [data-currency="USD"]').textContent(),
    ).resolves.toBe(money(usd.mrr_saved_in_cents, 'USD'));
  });
});

describe('cases', () => {
  it('filters the case list by state and decline category as the API does', async () => {
    await go('/dashboard/cases');
    await page.getByLabel('State').selectOption('canceled');
    await page.getByLabel('Decline category').selectOption('hard');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/category=hard/);
    await settled(page);
    const listed = await attributes(page.locator('tr[data-case]'), 'data-case');
    const expected = await api('/v1/dunning_cases?status=canceled&category=hard');
    expect(expected.data.length).toBeGreaterThan(0);
    expect(listed).toEqual(expected.data.map((c: { id: string }) => c.id));

    await go('/dashboard/cases?status=open');
    const open = await api('/v1/dunning_cases?status=open');
    await expect(page.locator('tr[data-case]').count()).resolves.toBe(open.data.length);
    await screenshot(page, 'dashboard-cases');
  });

  it('opens a case timeline: every attempt with its raw code and category, every message and decision with its why', async () => {
    const list = await api(`/v1/dunning_cases?subscription_id=${subs.recovers_mar}`);
    const id = list.data[0].id as string;
    await go('/dashboard/cases');
    await page.locator(`a[href="/dashboard/cases/${id}"]`).click();
    await page.waitForURL(`${base}/dashboard/cases/${id}`);
    await settled(page);
    const c = await api(`/v1/dunning_cases/${id}`);
    expect(c.status).toBe('recovered');
    expect(c.attempts.length).toBe(4); // the renewal, two declined retries, the one that recovered

    const attempts = page.locator('li[data-kind="attempt"]');
    await expect(attempts.count()).resolves.toBe(c.attempts.length);
    for (const a of c.attempts) {
      const item = page.locator(`li[data-attempt="${a.id}"]`);
      await expect(item.textContent()).resolves.toContain(a.status);
      if (a.raw_code)
        await expect(item.getByTestId('raw-code').textContent()).resolves.toBe(a.raw_code);
      if (a.category)
        await expect(item.getByTestId('category').textContent()).resolves.toBe(a.category);
    }
    expect(c.attempts[0].raw_code).toBe('insufficient_funds / network 51');

    const decisions = await page
      .locator('li[data-kind="decision"] [data-testid="why"]')
      .allTextContents();
    expect(decisions).toEqual(c.decisions.map((d: { why: string }) => d.why));
    expect(decisions.length).toBeGreaterThan(0);

    const channels = await page
      .locator('li[data-kind="message"] [data-testid="channel"]')
      .allTextContents();
    const statuses = await page
      .locator('li[data-kind="message"] [data-testid="message-status"]')
      .allTextContents();
    expect(channels).toEqual(c.messages.map((m: { channel: string }) => m.channel));
    expect(statuses).toEqual(c.messages.map((m: { status: string }) => m.status));
    expect(channels.length).toBeGreaterThan(0);

    await expect(page.getByTestId('strategy-version').textContent()).resolves.toContain(
      `version ${c.strategy.version}`,
    );
    await expect(page.getByTestId('next-action').textContent()).resolves.toContain(
      'None: the case is recovered',
    );
    await screenshot(page, 'dashboard-case');
  });

  it('shows the next action of an open case and refuses a retry the rules forbid, with the reason', async () => {
    const list = await api(`/v1/dunning_cases?subscription_id=${subs.expired_open}`);
    const c = await api(`/v1/dunning_cases/${list.data[0].id}`);
    expect(c.awaiting_new_payment_method).toBe(true);
    await go(`/dashboard/cases/${c.id}`);
    const retry = page.getByRole('button', { name: 'Retry now' });
    await expect(retry.isDisabled()).resolves.toBe(true);
    await expect(inMain(/Retry now is not allowed:/).textContent()).resolves.toContain(
      'no retry on this credential until the payment method changes',
    );
    await expect(page.getByTestId('next-action').textContent()).resolves.toContain(
      c.next_action.why,
    );
    // The API refuses it too, with the same rule.
    const refused = await world.api('POST', `/v1/dunning_cases/${c.id}/retry`, { body: {} });
    expect(refused.status).toBe(409);
  });

  it('retries a case now and shows the decline, then cancels another case’s dunning', async () => {
    const funds = (await api(`/v1/dunning_cases?subscription_id=${subs.funds}`)).data[0];
    await go(`/dashboard/cases/${funds.id}`);
    const before = await page.locator('li[data-kind="attempt"]').count();
    await page.getByRole('button', { name: 'Retry now' }).click();
    await expect(inMain(/^Retry declined/).textContent()).resolves.toContain(
      'insufficient_funds / network 51',
    );
    await expect.poll(() => page.locator('li[data-kind="attempt"]').count()).toBe(before + 1);
    const after = await api(`/v1/dunning_cases/${funds.id}`);
    expect(after.attempts.at(-1)).toMatchObject({ purpose: 'manual', status: 'failed' });

    const generic = (await api(`/v1/dunning_cases?subscription_id=${subs.generic}`)).data[0];
    await go(`/dashboard/cases/${generic.id}`);
    await page.getByRole('button', { name: 'Cancel dunning' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel dunning?' });
    await dialog.getByRole('button', { name: 'Cancel dunning' }).click();
    await expect(inMain(/^Dunning canceled/).textContent()).resolves.toContain('the case is');
    const canceled = await api(`/v1/dunning_cases/${generic.id}`);
    expect(canceled.status).not.toBe('open');
    await expect(page.locator('h1 .badge').textContent()).resolves.toBe(canceled.status);
  });
});

describe('strategies and templates', () => {
  it('saves an edited strategy as a new version while running cases keep theirs', async () => {
    const card = (await api('/v1/strategies')).data.find(
      (s: { payment_method_type: string; is_default: boolean }) =>
        s.payment_method_type === 'card' && s.is_default,
    );
    expect(card.current_version).toBe(1);
    await go('/dashboard/strategies');
    await page.getByRole('link', { name: card.name }).click();
    await settled(page);
    await inMain('Saving creates version 2.').waitFor();
    await page.getByLabel('Retry the payment on step 2').uncheck();
    await page.getByRole('button', { name: 'Remove step 6' }).click();
    await page.getByRole('button', { name: 'Add a step' }).click();
    await page.getByLabel('Day of step 6').fill('22');
    await page.getByLabel('Send a message on step 6').check();
    await page.getByLabel('Message template of step 6').selectOption('reminder');
    await page.getByLabel('Final action').selectOption('mark_unpaid');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await expect(inMain(/^Saved as version 2\./).textContent()).resolves.toContain(
      'running cases keep the version they started with',
    );
    const saved = await api(`/v1/strategies/${card.id}`);
    expect(saved.current_version).toBe(2);
    expect(saved.definition.steps.map((s: { day: number }) => s.day)).toEqual([
      1, 4, 8, 13, 19, 22,
    ]);
    expect(saved.definition.steps[1].retry).toBe(false);
    expect(saved.definition.steps[5]).toEqual({
      day: 22,
      retry: true,
      message: { enabled: true, template: 'reminder', bcc: false },
    });
    expect(saved.definition.final.action).toBe('mark_unpaid');
    await screenshot(page, 'dashboard-strategy');

    // A case that started on version 1 keeps it, and its page says so.
    const running = (await api(`/v1/dunning_cases?subscription_id=${subs.recovers_later}`)).data[0];
    await go(`/dashboard/cases/${running.id}`);
    await expect(page.getByTestId('strategy-version').textContent()).resolves.toContain(
      'version 1',
    );
    await expect(inMain(/This case keeps version 1/).textContent()).resolves.toContain(
      'now at version 2',
    );
  });

  it('previews a template live and shows an invalid template’s line and reason, saving nothing', async () => {
    await go('/dashboard/templates');
    await page.getByRole('link', { name: 'first_notice' }).click();
    await settled(page);
    await expect(page.getByTestId('preview-subject').textContent()).resolves.toMatch(
      /^Subject: \S/,
    );
    await page.getByLabel('Subject').fill('For {{ name }}: {{ amount_due }} is due');
    await expect
      .poll(() => page.getByTestId('preview-subject').textContent())
      .toMatch(/^Subject: For Ada Lovelace: \$\d+\.\d\d is due$/);

    await page
      .getByLabel('HTML body')
      .fill(
        '<p>Hi {{ name }},</p>\n<p>{{ amount_due }} is due.</p>\n<p>{{ balance_due_date }}</p>',
      );
    const problem = page.getByTestId('template-problem');
    await expect(problem.textContent()).resolves.toContain(
      'HTML body, line 3: unknown variable "balance_due_date"',
    );
    await expect(page.getByLabel('HTML body').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expect(inMain(/^Not saved\./).textContent()).resolves.toBe(
      'Not saved. HTML body, line 3: unknown variable "balance_due_date"',
    );
    await screenshot(page, 'dashboard-template');
    const stored = await api('/v1/templates/first_notice');
    expect(stored.customized).toBe(false);

    // Fixed, it saves.
    await page
      .getByLabel('HTML body')
      .fill('<p>Hi {{ name }},</p>\n<p>{{ amount_due }} is due.</p>');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expect(inMain(/^Saved/).textContent()).resolves.toContain('revision 1');
    const saved = await api('/v1/templates/first_notice');
    expect(saved).toMatchObject({
      customized: true,
      subject: 'For {{ name }}: {{ amount_due }} is due',
      html: '<p>Hi {{ name }},</p>\n<p>{{ amount_due }} is due.</p>',
    });
  });
});

describe('messages and webhooks', () => {
  it('shows email metrics with hard-decline emails counted in or out, and the message log', async () => {
    await go('/dashboard/messages');
    const withHard = await api('/v1/metrics/email?include_hard_decline=true');
    const withoutHard = await api('/v1/metrics/email?include_hard_decline=false');
    // Every email the SMTP server took is counted once, the stolen card's hard-decline one aside.
    expect(withHard.totals.sent).toBe(smtp.received.length);
    expect(withoutHard.totals.sent).toBe(withHard.totals.sent - 1);
    const sent = page.locator('[data-kpi="sent"] .kpi-value');
    await expect(sent.textContent()).resolves.toBe(String(withHard.totals.sent));
    await page.getByRole('switch', { name: 'Include hard-decline emails' }).uncheck();
    await page.waitForURL(/include_hard_decline=false/);
    await settled(page);
    await expect(page.getByTestId('hard-decline-state').textContent()).resolves.toBe(
      'Hard-decline emails are left out.',
    );
    await expect(sent.textContent()).resolves.toBe(String(withoutHard.totals.sent));

    const log = await api('/v1/messages?limit=25');
    expect(log.data.length).toBeGreaterThan(0);
    const rows = await attributes(page.locator('tr[data-message]'), 'data-message');
    expect(rows).toEqual(log.data.map((m: { id: string }) => m.id));
    const first = log.data[0];
    await page.locator(`tr[data-message="${first.id}"] button`).click();
    await expect(
      page.locator(`tr[data-message="${first.id}"] + tr`).textContent(),
    ).resolves.toContain(first.subject ?? '');
    await screenshot(page, 'dashboard-messages');
  });

  it('adds a webhook endpoint, sends it a test event and replays the delivery', async () => {
    const received: IncomingHttpHeaders[] = [];
    const receiver: Server = createServer((req, res) => {
      received.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    try {
      await go('/dashboard/webhooks');
      await page.getByText('Add an endpoint').click();
      await page.getByLabel('URL').fill(url);
      await page.getByLabel('Description').fill('Billing system');
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await inMain(/Its signing secret is shown only now: whsec_/).waitFor();
      const endpoints = await api('/v1/webhook_endpoints');
      expect(endpoints.data).toHaveLength(1);
      expect(endpoints.data[0]).toMatchObject({ url, enabled_events: ['*'], status: 'enabled' });

      await page.getByRole('button', { name: 'Send test' }).click();
      await expect(inMain(/^Test ping sent/).textContent()).resolves.toContain(
        'succeeded (HTTP 200)',
      );
      const row = page.locator('tr[data-delivery]');
      await expect(row.count()).resolves.toBe(1);
      await expect(row.locator('td').nth(1).textContent()).resolves.toBe('succeeded');
      expect(received).toHaveLength(1);

      await row.getByRole('button', { name: /^Replay/ }).click();
      await expect(inMain(/^Replayed/).textContent()).resolves.toContain('succeeded');
      await expect(row.locator('td').nth(2).textContent()).resolves.toBe('2');
      expect(received).toHaveLength(2);
      expect(received[1]?.['webhook-id']).toBe(received[0]?.['webhook-id']);
      const deliveries = await api(`/v1/webhook_endpoints/${endpoints.data[0].id}/deliveries`);
      expect(deliveries.data[0].attempt_count).toBe(2);
      await screenshot(page, 'dashboard-webhooks');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe('test mode', () => {
  it('advances the test clock from the banner and shows the case recover', async () => {
    const open = (await api(`/v1/dunning_cases?subscription_id=${subs.recovers_later}`)).data[0];
    expect(open.status).toBe('open');
    await go(`/dashboard/cases/${open.id}`);
    const banner = page.getByRole('region', { name: /Test mode/ });
    await expect(banner.textContent()).resolves.toContain('Mar 10, 2026, 12:00 PM UTC');
    await expect(page.locator('h1 .badge').textContent()).resolves.toBe('open');

    await banner.getByRole('button', { name: 'Advance 1 week' }).click();
    await expect
      .poll(() => page.locator('#test-clock-now').textContent())
      .toBe('Mar 17, 2026, 12:00 PM UTC');
    await expect.poll(() => page.locator('h1 .badge').textContent()).toBe('recovered');
    const recovered = await api(`/v1/dunning_cases/${open.id}`);
    expect(recovered.status).toBe('recovered');
    const last = recovered.attempts.at(-1);
    expect(last).toMatchObject({ status: 'succeeded', purpose: 'retry' });
    await expect(page.locator(`li[data-attempt="${last.id}"]`).textContent()).resolves.toContain(
      'succeeded',
    );
    await screenshot(page, 'dashboard-test-clock');

    // To a date: the clock lands on it, and the open cases list moves with it.
    await page.getByLabel('To date').fill('2026-03-20');
    await banner.getByRole('button', { name: 'Advance', exact: true }).click();
    await expect
      .poll(() => page.locator('#test-clock-now').textContent())
      .toBe('Mar 20, 2026, 12:00 AM UTC');
    const clock = await api('/v1/test_clock');
    expect(clock.now).toBe('2026-03-20T00:00:00.000Z');
  });
});

describe('on a phone, with a keyboard', () => {
  it('fits a phone screen, with the menu behind a button', async () => {
    const phone = await browser.newContext({
      locale: 'en-US',
      viewport: { width: 390, height: 844 },
      storageState: await context.storageState(),
    });
    const p = await phone.newPage();
    await p.goto(`${base}/dashboard/`);
    await settled(p);
    const widths = (await p.evaluate(
      '[document.documentElement.scrollWidth, window.innerWidth]',
    )) as number[];
    expect(widths[0]).toBeLessThanOrEqual(widths[1]!);
    await expect(p.getByRole('link', { name: 'Cases' }).isVisible()).resolves.toBe(false);
    await p.getByRole('button', { name: 'Menu' }).click();
    await p.getByRole('link', { name: 'Cases' }).click();
    await p.waitForURL(`${base}/dashboard/cases`);
    await settled(p);
    await screenshot(p, 'dashboard-cases-phone');
    await phone.close();
  });

  it('is keyboard-usable: a skip link first, real links, focus on the new page’s heading', async () => {
    await go('/dashboard/');
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe(
      'Skip to content',
    );
    await page.keyboard.press('Enter');
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('main');
    await page.getByRole('link', { name: 'Strategies' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/dashboard/strategies`);
    await settled(page);
    await expect(page.evaluate('document.activeElement?.tagName')).resolves.toBe('H1');
    await expect(page.title()).resolves.toBe('Strategies · Dunner');
  });
});

describe('signing out', () => {
  it('ends the session: the dashboard and the API answer it no more', async () => {
    await go('/dashboard/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/dashboard\/sign-in/);
    await expect(page.getByRole('status').textContent()).resolves.toBe('You are signed out.');
    await page.goto(`${base}/dashboard/`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
    const res = await page.request.get(`${base}/v1/merchant`);
    expect(res.status()).toBe(401);
    await context.close();
  });

  it('broke no Content-Security-Policy rule on any page', () => {
    expect(cspViolations).toEqual([]);
  });
});
