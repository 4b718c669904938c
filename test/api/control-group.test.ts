// The control group through the API: a merchant holds out a share of new cases, which run the
// same strategy at fixed step times; GET /v1/metrics shows both groups and their difference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { at } from '../support/world.ts';

const SUBSCRIPTIONS = 24;
const DAY_MS = 86_400_000;
let w: ApiWorld;

beforeAll(async () => {
  w = await createApiWorld({
    preset: 'gentle_30',
    smartRetries: true,
    start: at('2026-02-01T00:00:00Z'),
  });
});
afterAll(() => w.close());

describe('the control group', () => {
  it('is off for a test-mode merchant until it sets a share; a bad share is refused, naming it', async () => {
    expect((await w.api('GET', '/v1/merchant')).body.control_share).toBe(0);
    const bad = await w.api('POST', '/v1/merchant', { body: { control_share: 0.7 } });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(JSON.stringify(bad.body)).toContain('control_share');
    expect((await w.api('GET', '/v1/merchant')).body.control_share).toBe(0);
    const set = await w.api('POST', '/v1/merchant', { body: { control_share: 0.5 } });
    expect(set.status).toBe(200);
    expect(set.body.control_share).toBe(0.5);
  });

  it('runs control cases at fixed step times and shows both groups in the metrics', async () => {
    for (let i = 0; i < SUBSCRIPTIONS; i++)
      await w.subscribe({
        card: 'generic_decline',
        priceMinor: 1000 + i,
        periodStart: at('2026-01-05T10:00:00Z'),
      });
    await w.advanceTo(at('2026-03-10T00:00:00Z'));

    const cases = await w.db
      .selectFrom('dunning_cases')
      .select(['case_id', 'cohort', 'opened_at', 'status'])
      .where('merchant_id', '=', w.merchantId)
      .execute();
    expect(cases).toHaveLength(SUBSCRIPTIONS);
    const control = cases.filter((c) => c.cohort === 'control');
    const treatment = cases.filter((c) => c.cohort === 'treatment');
    expect(control.length).toBeGreaterThan(0);
    expect(treatment.length).toBeGreaterThan(0);

    const retries = await w.db
      .selectFrom('payment_attempts')
      .select(['case_id', 'requested_at'])
      .where('merchant_id', '=', w.merchantId)
      .where('purpose', '=', 'retry')
      .execute();
    const daysOf = (caseId: string, openedAt: Date) =>
      retries
        .filter((r) => r.case_id === caseId)
        .map((r) => (r.requested_at.getTime() - openedAt.getTime()) / DAY_MS + 1)
        .sort((a, b) => a - b);
    // Control: gentle_30's five retries at the start of their days, as at fixed times.
    for (const c of control) expect(daysOf(c.case_id, c.opened_at)).toEqual([4, 8, 13, 19, 25]);
    // Treatment: smart retries, at most four, moved inside their windows.
    for (const c of treatment) {
      const days = daysOf(c.case_id, c.opened_at);
      expect(days.length).toBeLessThanOrEqual(4);
      expect(days.some((d) => !Number.isInteger(d))).toBe(true);
    }

    const opened = await w.db
      .selectFrom('events')
      .select('data')
      .where('merchant_id', '=', w.merchantId)
      .where('type', '=', 'dunning_case.opened')
      .execute();
    expect(opened.filter((e) => (e.data as { cohort: string }).cohort === 'control')).toHaveLength(
      control.length,
    );

    const metrics = await w.api(
      'GET',
      '/v1/metrics?from=2026-02-01T00:00:00Z&to=2026-03-10T00:00:00Z',
    );
    expect(metrics.status).toBe(200);
    const group = metrics.body.control_group;
    expect(group.share).toBe(0.5);
    expect(group.treatment.cases).toMatchObject({
      opened: treatment.length,
      canceled: treatment.length,
    });
    expect(group.control.cases).toMatchObject({ opened: control.length, canceled: control.length });
    // Every card keeps declining: both groups recover nothing, and nothing tells them apart.
    expect(group.treatment.recovery_rate).toBe(0);
    expect(group.control.recovery_rate).toBe(0);
    expect(group.difference).toBe(0);
    expect(group.significant).toBe(false);
    expect(group.interval.low).toBeLessThan(0);
    expect(group.interval.high).toBeGreaterThan(0);
    expect(group.treatment.currencies).toEqual([
      expect.objectContaining({ currency: 'USD', recovered_in_cents: 0 }),
    ]);
  });
});
