// Reading messages for the API and the dashboard: a merchant's messages newest first (keyset
// pagination on queue time and id), and one message with its provider attempts.
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
import type { ChannelKind, MessageRow, MessageStatus } from '../../adapters/db/schema-messages.ts';
import { fail, ok, type Result } from '../result.ts';

export type MessageFilter = {
  merchantId: string;
  limit: number;
  startingAfter?: string;
  caseId?: string;
  customerId?: string;
  status?: MessageStatus;
  channel?: ChannelKind;
};

/** Up to `limit + 1` rows (the extra one says there is a next page). */
export async function listMessages(db: Db, f: MessageFilter): Promise<Result<MessageRow[]>> {
  let after: { queued_at: Date; message_id: string } | undefined;
  if (f.startingAfter) {
    after = await db
      .selectFrom('messages')
      .select(['queued_at', 'message_id'])
      .where('merchant_id', '=', f.merchantId)
      .where('message_id', '=', f.startingAfter)
      .executeTakeFirst();
    if (!after) return fail('invalid_field', 'starting_after names no message', 'starting_after');
  }
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('merchant_id', '=', f.merchantId)
    .$if(f.caseId !== undefined, (q) => q.where('case_id', '=', f.caseId!))
    .$if(f.customerId !== undefined, (q) => q.where('customer_id', '=', f.customerId!))
    .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
    .$if(f.channel !== undefined, (q) => q.where('channel', '=', f.channel!))
    .$if(after !== undefined, (q) =>
      q.where(sql<boolean>`(queued_at, message_id) < (${after!.queued_at}, ${after!.message_id})`),
    )
    .orderBy('queued_at', 'desc')
    .orderBy('message_id', 'desc')
    .limit(f.limit + 1)
    .execute();
  return ok(rows);
}

export type MessageAttempt = {
  attempt: number;
  channel: ChannelKind;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: string | null;
  providerId: string | null;
  error: string | null;
};

export async function getMessage(
  db: Db,
  merchantId: string,
  messageId: string,
): Promise<Result<{ message: MessageRow; attempts: MessageAttempt[] }>> {
  const message = await db
    .selectFrom('messages')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  if (!message) return fail('not_found', `no message ${messageId}`, 'id');
  const attempts = await db
    .selectFrom('message_attempts')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('message_id', '=', messageId)
    .orderBy('attempt')
    .execute();
  return ok({
    message,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      channel: a.channel,
      startedAt: a.started_at,
      finishedAt: a.finished_at,
      outcome: a.outcome,
      providerId: a.provider_id,
      error: a.error,
    })),
  });
}
