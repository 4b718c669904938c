// Revokes an API key: it stops working at once. The key making the request cannot revoke itself,
// so a caller never locks itself out by mistake. Revoking a revoked key changes nothing.
import { recordEvent } from '../../adapters/db/events.repo.ts';
import type { Deps } from '../deps.ts';
import { nowForMerchant } from '../engine/merchant-clock.ts';
import { fail, ok, type Result } from '../result.ts';

export async function revokeApiKey(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: { merchantId: string; keyId: string; callerKeyId: string | null },
): Promise<Result<{ keyId: string; revokedAt: Date }>> {
  if (input.keyId === input.callerKeyId)
    return fail(
      'invalid_state',
      'a key cannot revoke itself; revoke it with another key or from the dashboard',
      'id',
    );
  return deps.db.transaction().execute(async (trx) => {
    const key = await trx
      .selectFrom('api_keys')
      .select(['key_id', 'prefix', 'revoked_at'])
      .where('merchant_id', '=', input.merchantId)
      .where('key_id', '=', input.keyId)
      .forUpdate()
      .executeTakeFirst();
    if (!key) return fail('not_found', `no API key ${input.keyId}`, 'id');
    if (key.revoked_at) return ok({ keyId: key.key_id, revokedAt: key.revoked_at });
    // Wall time: a key stops working now, whatever a test clock says.
    const revokedAt = deps.clock.now();
    await trx
      .updateTable('api_keys')
      .set({ revoked_at: revokedAt })
      .where('merchant_id', '=', input.merchantId)
      .where('key_id', '=', input.keyId)
      .execute();
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'api_key.revoked',
      occurredAt: await nowForMerchant(trx, deps.clock, input.merchantId),
      data: { api_key_id: key.key_id, prefix: key.prefix },
    });
    return ok({ keyId: key.key_id, revokedAt });
  });
}
