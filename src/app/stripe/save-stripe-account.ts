// A merchant's own Stripe keys (multi-merchant set-ups); they take precedence over the
// STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET environment of a single-merchant set-up.
import { merchantExists } from '../../adapters/db/merchants.repo.ts';
import { upsertStripeAccount } from '../../adapters/db/stripe.repo.ts';
import type { Deps } from '../deps.ts';
import { fail, ok, type Result } from '../result.ts';

const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,250}$/;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=]{8,250}$/;
const PUBLISHABLE_KEY = /^pk_(test|live)_[A-Za-z0-9]{8,250}$/;

export async function saveStripeAccount(
  deps: Pick<Deps, 'db'>,
  input: {
    merchantId: string;
    secretKey: string;
    webhookSecret: string;
    /** pk_…: lets the hosted update page take new cards in Stripe's own fields. */
    publishableKey?: string | null;
  },
): Promise<Result<{ mode: 'test' | 'live' }>> {
  const key = SECRET_KEY.exec(input.secretKey);
  if (!key)
    return fail(
      'invalid_field',
      'secret_key must be a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_…)',
      'secret_key',
    );
  if (!WEBHOOK_SECRET.test(input.webhookSecret))
    return fail(
      'invalid_field',
      "webhook_secret must be the endpoint's signing secret (whsec_…)",
      'webhook_secret',
    );
  const publishableKey = input.publishableKey ?? null;
  if (publishableKey !== null) {
    const pk = PUBLISHABLE_KEY.exec(publishableKey);
    if (!pk)
      return fail(
        'invalid_field',
        'publishable_key must be a Stripe publishable key (pk_test_…, pk_live_…)',
        'publishable_key',
      );
    // Stripe.js with a key of the other mode cannot use the secret key's SetupIntents.
    if (pk[1] !== key[2])
      return fail(
        'invalid_field',
        `publishable_key is a ${pk[1]} key but secret_key is a ${key[2]} key`,
        'publishable_key',
      );
  }
  if (!(await merchantExists(deps.db, input.merchantId)))
    return fail('not_found', `no merchant ${input.merchantId}`, 'merchant_id');
  await upsertStripeAccount(deps.db, {
    merchant_id: input.merchantId,
    secret_key: input.secretKey,
    webhook_secret: input.webhookSecret,
    publishable_key: publishableKey,
  });
  return ok({ mode: key[2] as 'test' | 'live' });
}
