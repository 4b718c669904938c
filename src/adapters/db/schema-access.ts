// Row types of the access tables (migration 003): API keys, operators, sessions, idempotent
// requests, link-signing secrets and update links.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type AccessTables = {
  api_keys: {
    merchant_id: string;
    key_id: string;
    mode: 'test' | 'live';
    prefix: string;
    secret_hash: string;
    label: Generated<string>;
    created_at: CreatedAt;
    last_used_at: Date | null;
    revoked_at: Date | null;
  };
  operators: {
    merchant_id: string;
    operator_id: string;
    email: string;
    password_hash: string;
    created_at: CreatedAt;
    failed_sign_ins: Generated<number>;
    locked_until: Date | null;
  };
  sessions: {
    merchant_id: string;
    session_id: string;
    secret_hash: string;
    operator_id: string | null;
    key_id: string | null;
    created_at: CreatedAt;
    expires_at: Date;
    ended_at: Date | null;
  };
  idempotent_requests: {
    merchant_id: string;
    key: string;
    method: string;
    path: string;
    request_hash: string;
    status_code: number | null;
    response_body: string | null;
    created_at: CreatedAt;
    completed_at: Date | null;
  };
  merchant_secrets: {
    merchant_id: string;
    link_signing_key: string;
    created_at: CreatedAt;
  };
  update_links: {
    merchant_id: string;
    link_id: string;
    case_id: string;
    message_id: string | null;
    issued_at: Date;
    expires_at: Date;
    used_at: Date | null;
    visits: Generated<number>;
    first_visited_at: Date | null;
    last_visited_at: Date | null;
  };
};
