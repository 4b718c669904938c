// A new API key for the merchant, of the merchant's mode. The key itself is returned once, here;
// only its hash and prefix are stored, and the event log records the prefix, never the key.
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import { type CreatedApiKey, createApiKey } from '../access/api-keys.ts';
import type { Deps } from '../deps.ts';
import { fail, ok, type Result } from '../result.ts';

export async function issueApiKey(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: { merchantId: string; label?: string },
): Promise<Result<CreatedApiKey>> {
  const label = input.label?.trim() ?? '';
  if (label.length > 100)
    return fail('invalid_field', 'label must be at most 100 characters', 'label');
  return deps.db.transaction().execute(async (trx) => {
    const created = await createApiKey(trx, { merchantId: input.merchantId, label });
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'api_key.created',
      occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
      data: { api_key_id: created.keyId, prefix: created.prefix, mode: created.mode, label },
    });
    return ok(created);
  });
}
