// A test merchant on its own test clock, with helpers that read what a user would check:
// subscription state and entitlement, the case, the charges the gateway saw, the messages queued.
import { loadAuditHistory } from '../../src/adapters/db/network-audit.repo.ts';
import { TEST_CARDS, type TestCardName } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { createTestGateway } from '../../src/adapters/gateways/test-gateway/test-gateway.ts';
import { fixedClock } from '../../src/app/clock.ts';
import type { Deps } from '../../src/app/deps.ts';
import { unwrap } from '../../src/app/result.ts';
import { addPaymentMethod } from '../../src/app/use-cases/add-payment-method.ts';
import { advanceTestClock } from '../../src/app/use-cases/advance-test-clock.ts';
import { createCustomer } from '../../src/app/use-cases/create-customer.ts';
import { createMerchant } from '../../src/app/use-cases/create-merchant.ts';
import { createSubscription } from '../../src/app/use-cases/create-subscription.ts';
import { auditAttempts } from '../../src/domain/audit/network-audit.ts';
import type { PresetKey } from '../../src/domain/strategy/presets.ts';
import { entitlement } from '../../src/domain/subscription/entitlement.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export type World = Awaited<ReturnType<typeof createWorld>>;

export async function createWorld(options: {
  preset: PresetKey;
  /** Off by default here: these scenarios narrate the fixed schedule; smart-retry scenarios turn it on. */
  smartRetries?: boolean;
  start: Date;
  graceDays?: number;
  database?: TestDatabase;
}) {
  const database = options.database ?? (await createTestDatabase());
  const clock = fixedClock(options.start);
  const deps: Deps = { db: database.db, clock, gateway: createTestGateway(database.db) };
  const { merchantId } = unwrap(
    await createMerchant(deps, {
      name: 'Scenario Co',
      mode: 'test',
      defaultPreset: options.preset,
      smartRetries: options.smartRetries ?? false,
      testClockAt: options.start,
      defaultGraceDays: options.graceDays ?? 3,
    }),
  );
  const db = database.db;

  const world = {
    deps,
    db,
    merchantId,
    async now(): Promise<Date> {
      const m = await db
        .selectFrom('merchants')
        .select('test_clock_at')
        .where('merchant_id', '=', merchantId)
        .executeTakeFirstOrThrow();
      return m.test_clock_at!;
    },
    async subscribe(s: {
      card: TestCardName | 'pay_link';
      succeedsFrom?: Date;
      priceMinor?: number;
      currency?: string;
      timeZone?: string;
      periodStart: Date;
      graceDays?: number;
      primarySubscriptionId?: string;
      autoRenew?: boolean;
      /** Bill the same customer's payment method as this subscription (one card, two subscriptions). */
      sameCardAs?: string;
    }): Promise<string> {
      const shared = s.sameCardAs
        ? await db
            .selectFrom('subscriptions')
            .select(['customer_id', 'payment_method_id'])
            .where('merchant_id', '=', merchantId)
            .where('subscription_id', '=', s.sameCardAs)
            .executeTakeFirstOrThrow()
        : null;
      const { customerId } = shared
        ? { customerId: shared.customer_id }
        : unwrap(
            await createCustomer(deps, {
              merchantId,
              name: 'Ada Lovelace',
              email: 'ada@example.com',
              timeZone: s.timeZone ?? 'UTC',
            }),
          );
      const { paymentMethodId } = shared
        ? { paymentMethodId: shared.payment_method_id! }
        : unwrap(
            s.card === 'pay_link'
              ? await addPaymentMethod(deps, { merchantId, customerId, type: 'pay_link' })
              : await addPaymentMethod(deps, {
                  merchantId,
                  customerId,
                  type: 'card',
                  testCard: {
                    number: TEST_CARDS[s.card].number,
                    ...(s.succeedsFrom ? { succeedsFrom: s.succeedsFrom } : {}),
                  },
                }),
          );
      const { subscriptionId } = unwrap(
        await createSubscription(deps, {
          merchantId,
          customerId,
          paymentMethodId,
          productName: 'Pro plan',
          priceMinor: s.priceMinor ?? 2000,
          currency: s.currency ?? 'USD',
          interval: 'month',
          currentPeriodStart: s.periodStart,
          ...(s.graceDays !== undefined ? { graceDays: s.graceDays } : {}),
          ...(s.primarySubscriptionId ? { primarySubscriptionId: s.primarySubscriptionId } : {}),
          ...(s.autoRenew !== undefined ? { autoRenew: s.autoRenew } : {}),
        }),
      );
      return subscriptionId;
    },
    async advanceTo(to: Date): Promise<void> {
      unwrap(await advanceTestClock(deps, merchantId, to));
    },
    async subscription(subscriptionId: string) {
      const row = await db
        .selectFrom('subscriptions')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('subscription_id', '=', subscriptionId)
        .executeTakeFirstOrThrow();
      const now = await world.now();
      return {
        state: row.state,
        entitlement: entitlement(
          { state: row.state, graceDays: row.grace_days, pastDueSince: row.past_due_since },
          now,
        ),
        balanceMinor: row.balance_minor,
        periodEnd: row.current_period_end,
        row,
      };
    },
    async latestCase(subscriptionId: string) {
      return db
        .selectFrom('dunning_cases')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('subscription_id', '=', subscriptionId)
        .orderBy('opened_at', 'desc')
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
    },
    /** Charge requests the test gateway received for this subscription, in order. */
    async gatewayCharges(subscriptionId: string) {
      const keys = await db
        .selectFrom('payment_attempts')
        .select('idempotency_key')
        .where('merchant_id', '=', merchantId)
        .where('subscription_id', '=', subscriptionId)
        .execute();
      if (keys.length === 0) return [];
      return db
        .selectFrom('test_gateway_charges')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where(
          'idempotency_key',
          'in',
          keys.map((k) => k.idempotency_key),
        )
        .orderBy('first_requested_at')
        .execute();
    },
    async attempts(subscriptionId: string) {
      return db
        .selectFrom('payment_attempts')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('subscription_id', '=', subscriptionId)
        .orderBy('requested_at')
        .orderBy('created_at')
        .execute();
    },
    /** Messages queued for the customer of this subscription: template names in order, with state. */
    async messages(subscriptionId: string) {
      const rows = await db
        .selectFrom('outbox')
        .select(['payload', 'available_at', 'canceled_at'])
        .where('merchant_id', '=', merchantId)
        .where('topic', '=', 'message')
        .orderBy('outbox_id')
        .execute();
      return rows
        .map((r) => ({
          ...(r.payload as unknown as {
            template: string;
            subscription_id: string;
            step: string;
            bcc: boolean;
          }),
          at: r.available_at,
          canceled: r.canceled_at !== null,
        }))
        .filter((m) => m.subscription_id === subscriptionId);
    },
    async events(subscriptionId: string) {
      return db
        .selectFrom('events')
        .select(['type', 'occurred_at', 'data', 'case_id'])
        .where('merchant_id', '=', merchantId)
        .where('subscription_id', '=', subscriptionId)
        .orderBy('event_id')
        .execute();
    },
    /** What the independent network audit finds in every attempt the merchant's cards saw. */
    async networkViolations() {
      const history = await loadAuditHistory(db, merchantId);
      return auditAttempts(history.attempts, { detailsChanges: history.detailsChanges });
    },
    close: () => database.drop(),
  };
  return world;
}

export const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
export const at = (iso: string) => new Date(iso);
