// Row types of the template tables (migration 004): merchant overrides of the message templates
// and the merchant's HTML layout. Composed into Database in schema.ts.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export type TemplatesTables = {
  message_templates: {
    merchant_id: string;
    key: string;
    subject: string;
    html: string;
    text: string;
    revision: Generated<number>;
    created_at: CreatedAt;
    updated_at: UpdatedAt;
  };
  message_layouts: {
    merchant_id: string;
    html: string;
    revision: Generated<number>;
    created_at: CreatedAt;
    updated_at: UpdatedAt;
  };
};
