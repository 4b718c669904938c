// /v1/merchant: the merchant the key belongs to, and its settings.
import { getMerchant } from '../../../use-cases/read-merchant.ts';
import { updateMerchantSettings } from '../../../use-cases/update-merchant-settings.ts';
import { ApiError, errorResponses, sendResult, type V1Plugin } from '../kit.ts';
import { merchantSchema, presentMerchant, text } from '../present.ts';

const TAGS = ['merchant'];

const nullableText = (maxLength: number, description: string) =>
  ({ ...text(maxLength), type: ['string', 'null'], description }) as const;

type SettingsBody = {
  name?: string;
  from_address?: string | null;
  bcc_address?: string | null;
  support_contact?: string | null;
  default_grace_days?: number;
  quiet_hours?: { start: string; end: string } | null;
  message_cap?: { max: number; per_days: number } | null;
  hard_decline_dunning?: boolean;
  telegram_bot_token?: string | null;
  control_share?: number | null;
};

const plugin: V1Plugin = async (app, { services }) => {
  app.get(
    '/merchant',
    {
      schema: {
        tags: TAGS,
        summary: 'Read the merchant and its settings',
        response: { 200: merchantSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(reply, await getMerchant(services.db, request.caller.merchantId), presentMerchant),
  );

  app.post<{ Body: SettingsBody }>(
    '/merchant',
    {
      schema: {
        tags: TAGS,
        summary: 'Change the merchant’s settings',
        description:
          'Only the fields sent change; null clears an optional one. `hard_decline_dunning` ' +
          'activates hard-decline dunning once the operator has made it available.',
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: text(200),
            from_address: nullableText(
              320,
              'Sender of messages: billing@shop.example or Shop <billing@shop.example>.',
            ),
            bcc_address: nullableText(320, 'Copied on the steps whose BCC switch is on.'),
            support_contact: nullableText(
              320,
              'How customers reach support (email, URL or phone); shown in messages.',
            ),
            default_grace_days: { type: 'integer', minimum: 0, maximum: 90 },
            quiet_hours: {
              type: ['object', 'null'],
              additionalProperties: false,
              required: ['start', 'end'],
              description:
                'No message is sent between start and end in the customer’s time zone (e.g. 21:00 to 08:00); null: none.',
              properties: {
                start: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
                end: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
              },
            },
            message_cap: {
              type: ['object', 'null'],
              additionalProperties: false,
              required: ['max', 'per_days'],
              description:
                'At most `max` messages per customer in any `per_days` days; null: no cap.',
              properties: {
                max: { type: 'integer', minimum: 1, maximum: 100 },
                per_days: { type: 'integer', minimum: 1, maximum: 90 },
              },
            },
            hard_decline_dunning: { type: 'boolean' },
            control_share: {
              type: ['number', 'null'],
              description:
                'Share of new cases held out as the control group (0 to 0.5; 0 turns it off; null: the default, 0.05 in live mode and 0 in test mode). Control cases run the same strategy at fixed step times.',
            },
            telegram_bot_token: {
              type: ['string', 'null'],
              pattern: '^[0-9]{5,15}:[A-Za-z0-9_-]{20,60}$',
              description:
                'Token of your Telegram bot (from BotFather), for customers who prefer Telegram. ' +
                'Write-only: the merchant shows only whether one is set.',
            },
          },
        },
        response: { 200: merchantSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const merchantId = request.caller.merchantId;
      const updated = await updateMerchantSettings(services, {
        merchantId,
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.from_address !== undefined ? { fromAddress: b.from_address } : {}),
        ...(b.bcc_address !== undefined ? { bccAddress: b.bcc_address } : {}),
        ...(b.support_contact !== undefined ? { supportContact: b.support_contact } : {}),
        ...(b.default_grace_days !== undefined ? { defaultGraceDays: b.default_grace_days } : {}),
        ...(b.quiet_hours !== undefined ? { quietHours: b.quiet_hours } : {}),
        ...(b.message_cap !== undefined
          ? {
              messageCap: b.message_cap
                ? { max: b.message_cap.max, perDays: b.message_cap.per_days }
                : null,
            }
          : {}),
        ...(b.hard_decline_dunning !== undefined
          ? { hardDeclineDunning: b.hard_decline_dunning }
          : {}),
        ...(b.telegram_bot_token !== undefined ? { telegramBotToken: b.telegram_bot_token } : {}),
        ...(b.control_share !== undefined ? { controlShare: b.control_share } : {}),
      });
      if (!updated.ok) throw ApiError.from(updated.error);
      return sendResult(reply, await getMerchant(services.db, merchantId), presentMerchant);
    },
  );
};

export default plugin;
