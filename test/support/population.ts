// Many customers on one card each, subscribed with renewals at the same moment: the raw material
// for the concurrency, crash and benchmark runs.
import { TEST_CARDS, type TestCardName } from '../../src/adapters/gateways/test-gateway/cards.ts';
import type { Deps } from '../../src/app/deps.ts';
import { unwrap } from '../../src/app/result.ts';
import { addPaymentMethod } from '../../src/app/use-cases/add-payment-method.ts';
import { createCustomer } from '../../src/app/use-cases/create-customer.ts';
import { createSubscription } from '../../src/app/use-cases/create-subscription.ts';

export async function subscribeMany(
  deps: Pick<Deps, 'db' | 'clock'>,
  o: {
    merchantId: string;
    count: number;
    card: TestCardName;
    succeedsFrom?: Date;
    periodStart: Date;
    priceMinor?: number;
  },
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const { customerId } = unwrap(
      await createCustomer(deps, {
        merchantId: o.merchantId,
        name: `Customer ${i}`,
        email: `c${i}@example.com`,
      }),
    );
    const { paymentMethodId } = unwrap(
      await addPaymentMethod(deps, {
        merchantId: o.merchantId,
        customerId,
        type: 'card',
        testCard: {
          number: TEST_CARDS[o.card].number,
          ...(o.succeedsFrom ? { succeedsFrom: o.succeedsFrom } : {}),
        },
      }),
    );
    const { subscriptionId } = unwrap(
      await createSubscription(deps, {
        merchantId: o.merchantId,
        customerId,
        paymentMethodId,
        productName: 'Team plan',
        priceMinor: o.priceMinor ?? 1200,
        currency: 'USD',
        interval: 'month',
        currentPeriodStart: o.periodStart,
      }),
    );
    ids.push(subscriptionId);
  }
  return ids;
}
