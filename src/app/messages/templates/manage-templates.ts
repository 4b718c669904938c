// A merchant's templates: the defaults, with the merchant's saved versions in their place. Saving
// checks the template first (see validate.ts) and records the change as an event.
import type { Db } from '../../../adapters/db/connect.ts';
import { recordEvent } from '../../../adapters/db/events.repo.ts';
import type { Clock } from '../../clock.ts';
import { fail, ok, type Result } from '../../result.ts';
import {
  DEFAULT_LAYOUT,
  DEFAULT_TEMPLATE_KEYS,
  DEFAULT_TEMPLATE_PURPOSE,
  DEFAULT_TEMPLATES,
  isDefaultKey,
  type TemplateSource,
} from './defaults.ts';
import { describeProblem } from './liquid.ts';
import {
  merchantBusinessNow as businessNow,
  deleteLayoutRow,
  deleteTemplateRow,
  findLayoutRow,
  findTemplateRow,
  listTemplateRows,
  type TemplateRow,
  upsertLayoutRow,
  upsertTemplateRow,
} from './store.ts';
import { findLayoutProblem, findTemplateProblem } from './validate.ts';

export type TemplateView = TemplateSource & {
  key: string;
  /** The merchant saved its own version; false means the default is in use. */
  customized: boolean;
  hasDefault: boolean;
  purpose: string | null;
  /** Saves of the merchant's version; 0 for a default. */
  revision: number;
  updatedAt: Date | null;
};

export type LayoutView = {
  html: string;
  customized: boolean;
  revision: number;
  updatedAt: Date | null;
};

// Lower-case words joined by underscores, as strategies name their message templates.
const KEY_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
// Paths under /v1/templates that are not template keys.
const RESERVED_KEYS = new Set(['layout', 'preview']);

export function checkKey(key: unknown): string | null {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key))
    return 'must be 1 to 64 lower-case letters, digits or underscores, starting with a letter';
  if (RESERVED_KEYS.has(key)) return `"${key}" is reserved`;
  return null;
}

function view(key: string, row: TemplateRow | undefined): TemplateView | null {
  const fallback = isDefaultKey(key) ? DEFAULT_TEMPLATES[key] : null;
  const source = row ?? fallback;
  if (!source) return null;
  return {
    key,
    subject: source.subject,
    html: source.html,
    text: source.text,
    customized: row !== undefined,
    hasDefault: fallback !== null,
    purpose: isDefaultKey(key) ? DEFAULT_TEMPLATE_PURPOSE[key] : null,
    revision: row?.revision ?? 0,
    updatedAt: row?.updated_at ?? null,
  };
}

/** The defaults in tone order, each replaced by the merchant's version if it has one, then the merchant's own keys. */
export async function listTemplates(db: Db, merchantId: string): Promise<TemplateView[]> {
  const rows = new Map((await listTemplateRows(db, merchantId)).map((r) => [r.key, r]));
  const views: TemplateView[] = DEFAULT_TEMPLATE_KEYS.map((key) => view(key, rows.get(key))!);
  for (const [key, row] of rows) if (!isDefaultKey(key)) views.push(view(key, row)!);
  return views;
}

export async function getTemplate(
  db: Db,
  input: { merchantId: string; key: string },
): Promise<Result<TemplateView>> {
  const found = view(input.key, await findTemplateRow(db, input.merchantId, input.key));
  return found ? ok(found) : fail('not_found', `no template "${input.key}"`, 'key');
}

export type SaveTemplateInput = TemplateSource & {
  merchantId: string;
  key: string;
  clock?: Clock;
};

export async function saveTemplate(
  db: Db,
  input: SaveTemplateInput,
): Promise<Result<TemplateView>> {
  const keyProblem = checkKey(input.key);
  if (keyProblem) return fail('invalid_field', `key ${keyProblem}`, 'key');
  const at = await businessNow(db, input.merchantId, input.clock);
  if (!at) return fail('not_found', 'no such merchant');
  const source = { subject: input.subject, html: input.html, text: input.text };
  const problem = await findTemplateProblem(source, at);
  if (problem) return fail('invalid_template', describeProblem(problem.problem), problem.field);
  const row = await db.transaction().execute(async (trx) => {
    const saved = await upsertTemplateRow(trx, input.merchantId, input.key, source);
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'message_template.updated',
      occurredAt: at,
      data: { key: input.key, revision: saved.revision },
    });
    return saved;
  });
  return ok(view(input.key, row)!);
}

/**
 * Back to the default: the merchant's version is deleted. For a key with no default the template
 * is gone afterwards (null).
 */
export async function resetTemplate(
  db: Db,
  input: { merchantId: string; key: string; clock?: Clock },
): Promise<Result<TemplateView | null>> {
  const at = await businessNow(db, input.merchantId, input.clock);
  if (!at) return fail('not_found', 'no such merchant');
  const deleted = await db.transaction().execute(async (trx) => {
    const gone = await deleteTemplateRow(trx, input.merchantId, input.key);
    if (gone) {
      await recordEvent(trx, {
        merchantId: input.merchantId,
        type: 'message_template.reset',
        occurredAt: at,
        data: { key: input.key, default_restored: isDefaultKey(input.key) },
      });
    }
    return gone;
  });
  if (isDefaultKey(input.key)) return ok(view(input.key, undefined));
  return deleted ? ok(null) : fail('not_found', `no template "${input.key}"`, 'key');
}

export async function getLayout(db: Db, merchantId: string): Promise<LayoutView> {
  const row = await findLayoutRow(db, merchantId);
  return {
    html: row?.html ?? DEFAULT_LAYOUT,
    customized: row !== undefined,
    revision: row?.revision ?? 0,
    updatedAt: row?.updated_at ?? null,
  };
}

export async function saveLayout(
  db: Db,
  input: { merchantId: string; html: string; clock?: Clock },
): Promise<Result<LayoutView>> {
  const at = await businessNow(db, input.merchantId, input.clock);
  if (!at) return fail('not_found', 'no such merchant');
  const problem = await findLayoutProblem(input.html, at);
  if (problem) return fail('invalid_template', describeProblem(problem), 'html');
  const row = await db.transaction().execute(async (trx) => {
    const saved = await upsertLayoutRow(trx, input.merchantId, input.html);
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'message_layout.updated',
      occurredAt: at,
      data: { revision: saved.revision },
    });
    return saved;
  });
  return ok({
    html: row.html,
    customized: true,
    revision: row.revision,
    updatedAt: row.updated_at,
  });
}

export async function resetLayout(
  db: Db,
  input: { merchantId: string; clock?: Clock },
): Promise<Result<LayoutView>> {
  const at = await businessNow(db, input.merchantId, input.clock);
  if (!at) return fail('not_found', 'no such merchant');
  await db.transaction().execute(async (trx) => {
    if (await deleteLayoutRow(trx, input.merchantId)) {
      await recordEvent(trx, {
        merchantId: input.merchantId,
        type: 'message_layout.reset',
        occurredAt: at,
      });
    }
  });
  return ok(await getLayout(db, input.merchantId));
}
