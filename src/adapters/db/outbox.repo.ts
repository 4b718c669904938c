// The outbox as the read side sees it.
import type { Db } from './connect.ts';

/** A case's message outbox rows that were canceled before they were sent. */
export async function listCanceledCaseMessages(db: Db, merchantId: string, caseId: string) {
  return db
    .selectFrom('outbox')
    .select(['outbox_id', 'canceled_at'])
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .where('topic', '=', 'message')
    .where('canceled_at', 'is not', null)
    .execute();
}
