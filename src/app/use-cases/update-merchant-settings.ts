// The merchant's own settings: sender identity, support contact, default grace period, contact
// rules (quiet hours, message cap) and the merchant's half of the hard-decline dunning switch.
// Contact rules live in `merchants.settings` as `quiet_hours` { start, end } ("HH:MM", customer's
// local time) and `message_cap` { max, per_days }, where the message dispatcher reads them.
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { lockMerchant, readMerchantNow, updateMerchant } from '../../adapters/db/merchants.repo.ts';
import { MAX_CONTROL_SHARE } from '../../domain/experiment/control-group.ts';
import type { Deps } from '../deps.ts';
import { hardDeclineDunningOf } from '../engine/hard-decline-message.ts';
import { fail, ok, type Result } from '../result.ts';

export type MerchantSettingsInput = {
  merchantId: string;
  name?: string;
  fromAddress?: string | null;
  bccAddress?: string | null;
  supportContact?: string | null;
  defaultGraceDays?: number;
  quietHours?: { start: string; end: string } | null;
  messageCap?: { max: number; perDays: number } | null;
  /** The merchant activates hard-decline dunning once the operator has made it available. */
  hardDeclineDunning?: boolean;
  /** The merchant's Telegram bot, for customers who chose Telegram; null removes it. Never read back. */
  telegramBotToken?: string | null;
  /** Share of new cases held out as the control group (0 to 0.5); null: the default for the mode. */
  controlShare?: number | null;
};

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
// "billing@shop.example" or "Shop Billing <billing@shop.example>".
const SENDER = /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;
const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export async function updateMerchantSettings(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: MerchantSettingsInput,
): Promise<Result<{ changed: string[] }>> {
  const invalid = validate(input);
  if (invalid) return invalid;
  return deps.db.transaction().execute(async (trx) => {
    const merchant = await lockMerchant(trx, input.merchantId);
    if (!merchant) return fail('not_found', `no merchant ${input.merchantId}`, 'merchant_id');
    const settings = { ...((merchant.settings as Record<string, unknown> | null) ?? {}) };
    const changed: string[] = [];
    if (input.quietHours !== undefined) {
      settings.quiet_hours = input.quietHours;
      changed.push('quiet_hours');
    }
    if (input.messageCap !== undefined) {
      settings.message_cap = input.messageCap
        ? { max: input.messageCap.max, per_days: input.messageCap.perDays }
        : null;
      changed.push('message_cap');
    }
    if (input.controlShare !== undefined) {
      settings.control_share = input.controlShare;
      changed.push('control_share');
    }
    if (input.telegramBotToken !== undefined) {
      settings.telegram_bot_token = input.telegramBotToken;
      changed.push('telegram_bot_token');
    }
    if (input.hardDeclineDunning !== undefined) {
      const current = hardDeclineDunningOf(merchant.settings);
      if (input.hardDeclineDunning && !current.available)
        return fail(
          'invalid_state',
          'hard-decline dunning is not available for this merchant yet: whoever runs this Dunner deployment makes it available first (dunner merchant hard-decline-dunning --available, or DUNNER_HARD_DECLINE_DUNNING_MERCHANTS)',
          'hard_decline_dunning',
        );
      settings.hard_decline_dunning = {
        available: current.available,
        active: input.hardDeclineDunning,
      };
      changed.push('hard_decline_dunning');
    }
    const columns = {
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.fromAddress !== undefined ? { from_address: input.fromAddress } : {}),
      ...(input.bccAddress !== undefined ? { bcc_address: input.bccAddress } : {}),
      ...(input.supportContact !== undefined ? { support_contact: input.supportContact } : {}),
      ...(input.defaultGraceDays !== undefined
        ? { default_grace_days: input.defaultGraceDays }
        : {}),
    };
    changed.unshift(...Object.keys(columns));
    if (changed.length === 0) return ok({ changed });
    await updateMerchant(trx, input.merchantId, columns, settings);
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'merchant.updated',
      occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
      data: { changed },
    });
    return ok({ changed });
  });
}

function validate(input: MerchantSettingsInput) {
  if (input.name !== undefined && input.name.trim() === '')
    return fail('invalid_field', 'name cannot be empty', 'name');
  if (input.fromAddress != null && !SENDER.test(input.fromAddress))
    return fail(
      'invalid_field',
      'from_address must be an email address, optionally with a name: Shop <billing@shop.example>',
      'from_address',
    );
  if (input.bccAddress != null && !EMAIL.test(input.bccAddress))
    return fail('invalid_field', 'bcc_address must be an email address', 'bcc_address');
  if (input.supportContact != null && input.supportContact.trim() === '')
    return fail(
      'invalid_field',
      'support_contact cannot be empty; send null to clear it',
      'support_contact',
    );
  const grace = input.defaultGraceDays;
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0 || grace > 90))
    return fail(
      'invalid_field',
      'default_grace_days must be a whole number from 0 to 90',
      'default_grace_days',
    );
  const share = input.controlShare;
  if (share != null && !(Number.isFinite(share) && share >= 0 && share <= MAX_CONTROL_SHARE))
    return fail(
      'invalid_field',
      `control_share must be a number from 0 to ${MAX_CONTROL_SHARE} (0 turns the control group off)`,
      'control_share',
    );
  if (input.quietHours) {
    for (const edge of ['start', 'end'] as const)
      if (!CLOCK_TIME.test(input.quietHours[edge]))
        return fail(
          'invalid_field',
          `quiet_hours.${edge} must be a time such as 21:00`,
          `quiet_hours.${edge}`,
        );
    if (input.quietHours.start === input.quietHours.end)
      return fail(
        'invalid_field',
        'quiet_hours must not start and end at the same time',
        'quiet_hours.end',
      );
  }
  if (input.messageCap) {
    const { max, perDays } = input.messageCap;
    if (!Number.isInteger(max) || max < 1 || max > 100)
      return fail(
        'invalid_field',
        'message_cap.max must be a whole number from 1 to 100',
        'message_cap.max',
      );
    if (!Number.isInteger(perDays) || perDays < 1 || perDays > 90)
      return fail(
        'invalid_field',
        'message_cap.per_days must be a whole number from 1 to 90',
        'message_cap.per_days',
      );
  }
  return null;
}
