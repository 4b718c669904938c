// Revokes an API key: it stops working at once. The key making the request cannot revoke itself,
// so a caller never locks itself out by mistake. Revoking a revoked key changes nothing.
import { lockApiKey, setApiKeyRevoked } from '../../adapters/db/api-keys.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import type { Deps } from '../deps.ts';
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
    const key = await lockApiKey(trx, input.merchantId, input.keyId);
    if (!key) return fail('not_found', `no API key ${input.keyId}`, 'id');
    if (key.revoked_at) return ok({ keyId: key.key_id, revokedAt: key.revoked_at });
    // Wall time: a key stops working now, whatever a test clock says.
    const revokedAt = deps.clock.now();
    await setApiKeyRevoked(trx, input.merchantId, input.keyId, revokedAt);
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'api_key.revoked',
      occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
      data: { api_key_id: key.key_id, prefix: key.prefix },
    });
    return ok({ keyId: key.key_id, revokedAt });
  });
}
