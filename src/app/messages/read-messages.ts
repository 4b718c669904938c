// Reading messages for the API and the dashboard: a merchant's messages newest first (keyset
// pagination on queue time and id), and one message with its provider attempts.
import type { Db } from '../../adapters/db/connect.ts';
import {
  findMessage,
  findMessageCursor,
  listMessageAttempts,
  listMessagePage,
} from '../../adapters/db/messages.repo.ts';
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
    after = await findMessageCursor(db, f.merchantId, f.startingAfter);
    if (!after) return fail('invalid_field', 'starting_after names no message', 'starting_after');
  }
  const rows = await listMessagePage(db, f, after, f.limit + 1);
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
  const message = await findMessage(db, merchantId, messageId);
  if (!message) return fail('not_found', `no message ${messageId}`, 'id');
  const attempts = await listMessageAttempts(db, merchantId, messageId);
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
