// A merchant's template overrides and layout. Every query names the merchant.
import type { Selectable } from 'kysely';
import type { Db } from './connect.ts';
import type { TemplatesTables } from './schema-templates.ts';

export type TemplateRow = Selectable<TemplatesTables['message_templates']>;
export type LayoutRow = Selectable<TemplatesTables['message_layouts']>;

export async function findTemplateRow(
  db: Db,
  merchantId: string,
  key: string,
): Promise<TemplateRow | undefined> {
  return db
    .selectFrom('message_templates')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('key', '=', key)
    .executeTakeFirst();
}

export async function listTemplateRows(db: Db, merchantId: string): Promise<TemplateRow[]> {
  return db
    .selectFrom('message_templates')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .orderBy('key')
    .execute();
}

export async function upsertTemplateRow(
  trx: Db,
  merchantId: string,
  key: string,
  source: { subject: string; html: string; text: string },
): Promise<TemplateRow> {
  const now = new Date();
  return trx
    .insertInto('message_templates')
    .values({ merchant_id: merchantId, key, ...source, created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['merchant_id', 'key']).doUpdateSet((eb) => ({
        subject: source.subject,
        html: source.html,
        text: source.text,
        revision: eb('message_templates.revision', '+', 1),
        updated_at: now,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteTemplateRow(
  trx: Db,
  merchantId: string,
  key: string,
): Promise<boolean> {
  const rows = await trx
    .deleteFrom('message_templates')
    .where('merchant_id', '=', merchantId)
    .where('key', '=', key)
    .returning('key')
    .execute();
  return rows.length > 0;
}

export async function findLayoutRow(db: Db, merchantId: string): Promise<LayoutRow | undefined> {
  return db
    .selectFrom('message_layouts')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
}

export async function upsertLayoutRow(
  trx: Db,
  merchantId: string,
  html: string,
): Promise<LayoutRow> {
  const now = new Date();
  return trx
    .insertInto('message_layouts')
    .values({ merchant_id: merchantId, html, created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.column('merchant_id').doUpdateSet((eb) => ({
        html,
        revision: eb('message_layouts.revision', '+', 1),
        updated_at: now,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteLayoutRow(trx: Db, merchantId: string): Promise<boolean> {
  const rows = await trx
    .deleteFrom('message_layouts')
    .where('merchant_id', '=', merchantId)
    .returning('merchant_id')
    .execute();
  return rows.length > 0;
}
