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
    // Day 1 (Feb 5, 10:00): both renewals are declined at the same instant on one card.
    await world.advanceTo(at('2026-02-05T10:00:00Z'));
    const first = await cardHistory(world);
    expect(first.cards.size).toBe(1);
    expect(first.attempts.map((x) => x.sentAt.toISOString())).toEqual([
      '2026-02-05T10:00:00.000Z',
      '2026-02-05T10:00:00.000Z',
    ]);
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

// Open findings of the audit (issue 12): a renewal is charged without asking the network rules,
// so two renewals of one card at one instant go out together and the second follows the first's
// decline unseen. Retries wait for an unanswered charge on their card (rule charge_in_flight).
describe('open findings: two renewals of one card at the same instant', () => {
  it('retries on a shared Mastercard card wait for the advice; only the same-instant renewal pair breaks "retry after 24 hours"', async () => {
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
      periodStart: at('2026-01-05T10:00:00Z'),
      sameCardAs: a,
    });
    // Day 1 (Feb 5) both renewals at one instant: the second goes out 0 ms after MAC 25. The two
    // cases' retries (days 3, 6, 9 and 12 of firm_14) fall due together too, but the second of
    // each pair waits for the first's answer, and then for its advice.
    await world.advanceTo(at('2026-03-10T00:00:00Z'));
    const found = await world.networkViolations();
    expect(found.map((v) => [v.rule, v.at.toISOString()])).toEqual([
      ['mastercard_retry_after', '2026-02-05T10:00:00.000Z'],
    ]);
  });

  it('names the second of two same-instant renewals on a stolen Visa card (category 1)', async () => {
    world = await createWorld({
      preset: 'gentle_30',
      smartRetries: true,
      start: at('2026-02-01T00:00:00Z'),
    });
    const a = await world.subscribe({ card: 'stolen', periodStart: at('2026-01-05T10:00:00Z') });
    await world.subscribe({
      card: 'stolen',
      periodStart: at('2026-01-05T10:00:00Z'),
      sameCardAs: a,
    });
    await world.advanceTo(at('2026-03-10T00:00:00Z'));
    const found = await world.networkViolations();
    expect(found.map((v) => [v.rule, v.at.toISOString()])).toEqual([
      ['visa_category_1_reattempt', '2026-02-05T10:00:00.000Z'],
    ]);
  });
});
