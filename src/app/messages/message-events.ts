// Events of a message's life (`message.sent`, `message.bounced`, …), written in the transaction that
// changes the message; recordEvent also queues them for the merchant's webhooks.
import type { Db } from '../../adapters/db/connect.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import type { MessageRow } from '../../adapters/db/schema-messages.ts';

export async function recordMessageEvent(
  trx: Db,
  m: Pick<
    MessageRow,
    | 'merchant_id'
    | 'message_id'
    | 'outbox_id'
    | 'case_id'
    | 'subscription_id'
    | 'customer_id'
    | 'channel'
    | 'to_address'
    | 'step'
    | 'template'
    | 'intent'
  >,
  type: string,
  at: Date,
  data: Record<string, unknown> = {},
): Promise<void> {
  await recordEvent(trx, {
    merchantId: m.merchant_id,
    type,
    occurredAt: at,
    subscriptionId: m.subscription_id,
    caseId: m.case_id,
    data: {
      message_id: m.message_id,
      // Binds the message's events to the `message.queued` event of its outbox row.
      outbox_id: m.outbox_id,
      customer_id: m.customer_id,
      channel: m.channel,
      to: m.to_address,
      step: m.step,
      template: m.template,
      intent: m.intent,
      ...data,
    },
  });
}
