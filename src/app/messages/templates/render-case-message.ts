// The message a case sends: the merchant's template for the key (or the default), rendered with
// the case's variables and wrapped in the merchant's layout. The delivery side calls this when it
// sends a queued message, so the words reflect the case as it is at that moment.
import type { Db } from '../../../adapters/db/connect.ts';
import { MESSAGE_INTENTS, type MessageIntent } from '../../../domain/case/message-intent.ts';
import { buildMessageVariables, type MessageChannel } from '../../../domain/messages/variables.ts';
import { fail, ok, type Result } from '../../result.ts';
import { loadCaseFacts } from './case-facts.ts';
import {
  DEFAULT_LAYOUT,
  DEFAULT_TEMPLATES,
  FALLBACK_TEMPLATE_KEY,
  isDefaultKey,
  type TemplateSource,
} from './defaults.ts';
import { PartError, type RenderedMessage, renderMessage } from './render.ts';
import { findLayoutRow, findTemplateRow } from './store.ts';

export type RenderCaseMessageInput = {
  merchantId: string;
  caseId: string;
  templateKey: string;
  intent: MessageIntent;
  /** The queued message's extra fields; `update_link_expires_at` (ISO 8601) is shown to the customer. */
  details?: Record<string, unknown>;
  /** The signed update link for this message, or null when it carries none. */
  updateUrl: string | null;
  /** When the link stops working, if not given in details. */
  updateLinkExpiresAt?: Date | null;
  channel: MessageChannel;
  /** The merchant's business time of sending. */
  at: Date;
};

export type RenderedCaseMessage = RenderedMessage & {
  /** merchant: its saved template; default: the built-in one; fallback: a key with no template got the reminder. */
  origin: 'merchant' | 'default' | 'fallback';
  /** Why a saved template or layout was passed over (it failed to render for this case). */
  warnings: string[];
};

export async function renderCaseMessage(
  db: Db,
  input: RenderCaseMessageInput,
): Promise<Result<RenderedCaseMessage>> {
  if (!(MESSAGE_INTENTS as readonly string[]).includes(input.intent))
    return fail('invalid_field', `intent must be one of ${MESSAGE_INTENTS.join(', ')}`, 'intent');
  const facts = await loadCaseFacts(db, {
    merchantId: input.merchantId,
    caseId: input.caseId,
    intent: input.intent,
    channel: input.channel,
    at: input.at,
    updateUrl: input.updateUrl,
    updateLinkExpiresAt: input.updateLinkExpiresAt ?? dateIn(input.details?.update_link_expires_at),
  });
  if (!facts) return fail('not_found', `no case ${input.caseId}`, 'case_id');
  const variables = buildMessageVariables(facts);

  const saved = await findTemplateRow(db, input.merchantId, input.templateKey);
  const savedLayout = await findLayoutRow(db, input.merchantId);
  const candidates: Array<{ source: TemplateSource; origin: RenderedCaseMessage['origin'] }> = [];
  if (saved) candidates.push({ source: saved, origin: 'merchant' });
  candidates.push(
    isDefaultKey(input.templateKey)
      ? { source: DEFAULT_TEMPLATES[input.templateKey], origin: 'default' }
      : { source: DEFAULT_TEMPLATES[FALLBACK_TEMPLATE_KEY], origin: 'fallback' },
  );
  const layouts = savedLayout ? [savedLayout.html, DEFAULT_LAYOUT] : [DEFAULT_LAYOUT];

  // A saved template passed the checks on save, but a case can still take a branch the samples
  // did not (e.g. a filter given a nil): the customer then gets the default rather than nothing.
  const warnings: string[] = [];
  for (const candidate of candidates) {
    for (const layout of layouts) {
      try {
        const rendered = await renderMessage(candidate.source, layout, variables);
        return ok({ ...rendered, origin: candidate.origin, warnings });
      } catch (error) {
        if (!(error instanceof PartError)) throw error;
        if (error.part === 'layout') {
          warnings.push(
            `the saved layout failed to render (${error.message}); used the default layout`,
          );
          continue;
        }
        warnings.push(
          `the ${candidate.origin} template "${input.templateKey}" failed to render (${error.message}); used the default`,
        );
        break;
      }
    }
  }
  throw new Error(`default templates failed to render: ${warnings.join('; ')}`);
}

function dateIn(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value !== 'string') return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
