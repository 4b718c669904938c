// A merchant's own Stripe keys (multi-merchant set-ups); they take precedence over the
// STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET environment of a single-merchant set-up.
import type { Deps } from '../deps.ts';
import { fail, ok, type Result } from '../result.ts';

const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,250}$/;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=]{8,250}$/;

export async function saveStripeAccount(
  deps: Pick<Deps, 'db'>,
  input: { merchantId: string; secretKey: string; webhookSecret: string },
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
  const merchant = await deps.db
    .selectFrom('merchants')
    .select('merchant_id')
    .where('merchant_id', '=', input.merchantId)
    .executeTakeFirst();
  if (!merchant) return fail('not_found', `no merchant ${input.merchantId}`, 'merchant_id');
  await deps.db
    .insertInto('stripe_accounts')
    .values({
      merchant_id: input.merchantId,
      secret_key: input.secretKey,
      webhook_secret: input.webhookSecret,
    })
    .onConflict((oc) =>
      oc.column('merchant_id').doUpdateSet({
        secret_key: input.secretKey,
        webhook_secret: input.webhookSecret,
        updated_at: new Date(),
      }),
    )
    .execute();
  return ok({ mode: key[2] as 'test' | 'live' });
}
