// The independent network audit (src/domain/audit) over the engine's own payment_attempts, on
// worlds that push the caps: several subscriptions on one card falling due at the same instant,
// retried for more than 30 days. The scenario suites beside this file audit their worlds too.
import { afterEach, describe, expect, it } from 'vitest';
import { loadAuditHistory } from '../../src/adapters/db/network-audit.repo.ts';
import { at, createWorld, type World } from '../support/world.ts';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function cardHistory(w: World) {
  const history = await loadAuditHistory(w.db, w.merchantId);
  const cards = new Set(history.attempts.map((a) => a.card));
  return { ...history, cards };
}

describe('the network audit of the engine’s attempts', () => {
  it('finds nothing when two subscriptions on one Visa card fall due at the same instant and are retried for 40 days', async () => {
    world = await createWorld({
      preset: 'gentle_30',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    // Processing errors: quick retries after each decline, on top of the step retries.
    const a = await world.subscribe({
      card: 'processing_error',
      periodStart: at('2026-01-05T10:00:00Z'),
    });
    const b = await world.subscribe({
      card: 'processing_error',
      periodStart: at('2026-01-05T10:00:00Z'),
      priceMinor: 4900,
      sameCardAs: a,
    });
    // Day 1 (Feb 5, 10:00): both renewals fall due at the same instant on one card. One goes out
    // and is declined; the other renewal waits out the first's hold (one charge in flight per
    // card, 15 minutes) and goes at 10:15.
    await world.advanceTo(at('2026-02-05T10:15:00Z'));
    const first = await cardHistory(world);
    expect(first.cards.size).toBe(1);
    const sent = first.attempts.map((x) => x.sentAt.toISOString());
    expect(sent).toEqual(['2026-02-05T10:00:00.000Z', '2026-02-05T10:15:00.000Z']);
    // Each decline's one quick retry follows hours later (3 to 4 h, with jitter); the second is
    // dropped only if both fall in the very same minute, one charge in flight per card.
    await world.advanceTo(at('2026-02-05T14:30:00Z'));
    const quick = (await cardHistory(world)).attempts.slice(2).map((x) => x.sentAt.toISOString());
    expect(quick.length).toBeGreaterThanOrEqual(1);
    expect(quick.length).toBeLessThanOrEqual(2);
    for (const t of quick)
      expect(t >= '2026-02-05T13:00:00.000Z' && t <= '2026-02-05T14:15:00.000Z').toBe(true);
    const deferred = [...(await world.events(a)), ...(await world.events(b))].filter(
      (e) => e.type === 'subscription.renewal_deferred',
    );
    expect(deferred).toHaveLength(1);
    expect(deferred[0]!.data).toMatchObject({ until: '2026-02-05T10:15:00.000Z' });
    expect(String((deferred[0]!.data as { why: string }).why)).toContain('charge_in_flight');
    expect(first.attempts[0]).toMatchObject({
      network: 'visa',
      outcome: 'declined',
      gatewayCode: 'processing_error',
      networkCode: '96',
      initiatedBy: 'merchant',
    });

    // Day 40 (Mar 16): both cases have run their course on the one card.
    await world.advanceTo(at('2026-03-16T10:00:00Z'));
    const all = await cardHistory(world);
    expect(all.cards.size).toBe(1);
    expect((await world.attempts(a)).length).toBeGreaterThan(3);
    expect((await world.attempts(b)).length).toBeGreaterThan(3);
    expect(all.attempts.length).toBeGreaterThan(8);
    expect(await world.networkViolations()).toEqual([]);
  });

  it('finds nothing when three subscriptions on one insufficient-funds Visa card renew together', async () => {
    world = await createWorld({
      preset: 'firm_14',
      smartRetries: false,
      start: at('2026-02-01T00:00:00Z'),
    });
    const a = await world.subscribe({
      card: 'insufficient_funds',
      periodStart: at('2026-01-05T10:00:00Z'),
    });
    for (const priceMinor of [2000, 3000]) {
      await world.subscribe({
        card: 'insufficient_funds',
        periodStart: at('2026-01-05T10:00:00Z'),
        priceMinor,
        sameCardAs: a,
      });
    }
    await world.advanceTo(at('2026-03-10T00:00:00Z'));
    const all = await cardHistory(world);
    expect(all.cards.size).toBe(1);
    expect(all.attempts.length).toBeGreaterThanOrEqual(12);
    expect(all.attempts.every((x) => x.networkCode === '51')).toBe(true);
    expect(await world.networkViolations()).toEqual([]);
  });

  it('reads the Mastercard advice the engine stored, for a card shared by two subscriptions', async () => {
    world = await createWorld({
      preset: 'firm_14',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const a = await world.subscribe({
      card: 'mastercard_retry_after_24h',
      periodStart: at('2026-01-05T10:00:00Z'),
    });
    await world.subscribe({
      card: 'mastercard_retry_after_24h',
      periodStart: at('2026-01-10T10:00:00Z'),
      sameCardAs: a,
    });
    await world.advanceTo(at('2026-03-10T00:00:00Z'));
    const all = await cardHistory(world);
    expect(all.cards.size).toBe(1);
    expect(all.attempts[0]).toMatchObject({
      network: 'mastercard',
      gatewayCode: 'issuer_not_available',
      networkCode: '91',
      adviceCode: '25',
    });
    expect(all.attempts.length).toBeGreaterThan(4);
    expect(await world.networkViolations()).toEqual([]);
  });
});

// A renewal asks the network rules before it is charged, as a retry does: two renewals of one card
// at one instant go one at a time, and the second sees the first's decline and its advice.
describe('two renewals of one card at the same instant', () => {
  it('the second renewal on a Mastercard card waits out the first one\'s "retry after 24 hours"', async () => {
    world = await createWorld({
      preset: 'firm_14',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const a = await world.subscribe({
      card: 'mastercard_retry_after_24h',
      periodStart: at('2026-01-05T10:00:00Z'),
    });
    const b = await world.subscribe({
      card: 'mastercard_retry_after_24h',
      periodStart: at('2026-01-05T10:00:00Z'),
      sameCardAs: a,
    });
    // Day 1 (Feb 5, 10:00): a's renewal is declined with MAC 25; b's waits for that answer, then
    // for the advice: it goes out 24 hours after a's decline.
    await world.advanceTo(at('2026-02-07T00:00:00Z'));
    const [first, second] = await Promise.all([world.attempts(a), world.attempts(b)]);
    const renewals = [...first, ...second]
      .filter((x) => x.purpose === 'renewal')
      .map((x) => x.requested_at.toISOString())
      .sort();
    expect(renewals).toEqual(['2026-02-05T10:00:00.000Z', '2026-02-06T10:00:00.000Z']);
    const whys = [...(await world.events(a)), ...(await world.events(b))]
      .filter((e) => e.type === 'subscription.renewal_deferred')
      .map((e) => (e.data as { why: string }).why);
    expect(whys.some((w) => w.includes('retry_after_advice'))).toBe(true);
    // The two cases' retries (days 3, 6, 9 and 12 of firm_14) each wait for the other's answer.
    await world.advanceTo(at('2026-03-10T00:00:00Z'));
    expect(await world.networkViolations()).toEqual([]);
  });

  it('the second renewal on a stolen Visa card (category 1) is not charged; its case asks for a new card', async () => {
    world = await createWorld({
      preset: 'gentle_30',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const a = await world.subscribe({ card: 'stolen', periodStart: at('2026-01-05T10:00:00Z') });
    const b = await world.subscribe({
      card: 'stolen',
      periodStart: at('2026-01-05T10:00:00Z'),
      sameCardAs: a,
    });
    await world.advanceTo(at('2026-02-06T00:00:00Z'));
    const charged = [await world.gatewayCharges(a), await world.gatewayCharges(b)];
    expect(charged.map((c) => c.length).sort()).toEqual([0, 1]);
    const withheld = charged[0]!.length === 0 ? a : b;
    const kase = (await world.latestCase(withheld))!;
    expect(kase).toMatchObject({ status: 'open', last_category: 'hard', amount_due_minor: 2000 });
    expect((await world.subscription(withheld)).row.state).toBe('past_due');
    const decision = (await world.events(withheld)).find(
      (e) =>
        e.type === 'dunning_case.decision' &&
        (e.data as { kind: string }).kind === 'withhold_renewal',
    );
    expect(String((decision!.data as { why: string }).why)).toContain('visa_category_1');
    await world.advanceTo(at('2026-03-10T00:00:00Z'));
    expect(await world.gatewayCharges(withheld)).toHaveLength(0);
    expect(await world.networkViolations()).toEqual([]);
  });
});
