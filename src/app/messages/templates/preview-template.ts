// Shows what a template will send: a saved or unsaved template rendered with a case of the
// merchant (the one named, else its latest), or with the built-in sample when it has none yet.
// Nothing is written. An unsaved template gets the same checks as on save.
import type { Db } from '../../../adapters/db/connect.ts';
import { findCase } from '../../../adapters/db/dunning-cases.repo.ts';
import { getMerchant } from '../../../adapters/db/merchants.repo.ts';
import {
  MESSAGE_INTENTS,
  type MessageIntent,
  messageIntent,
} from '../../../domain/case/message-intent.ts';
import { sampleFacts } from '../../../domain/messages/sample.ts';
import {
  buildMessageVariables,
  type MessageChannel,
  type MessageFacts,
  type MessageVariables,
} from '../../../domain/messages/variables.ts';
import type { Clock } from '../../clock.ts';
import { fail, ok, type Result } from '../../result.ts';
import { updateLinkUrl } from '../../update-links/update-links.ts';
import { asCategory, factsOf, latestCase } from './case-facts.ts';
import {
  DEFAULT_LAYOUT,
  DEFAULT_TEMPLATES,
  isDefaultKey,
  type TemplateSource,
} from './defaults.ts';
import { describeProblem } from './liquid.ts';
import { checkKey } from './manage-templates.ts';
import { PartError, type RenderedMessage, renderMessage } from './render.ts';
import { findLayoutRow, findTemplateRow, merchantBusinessNow } from './store.ts';
import { findLayoutProblem, findTemplateProblem } from './validate.ts';

export type PreviewInput = {
  merchantId: string;
  /** Unsaved parts; a missing part comes from the key's current template. */
  source?: Partial<TemplateSource>;
  /** An unsaved layout; otherwise the merchant's (or the default). */
  layout?: string;
  key?: string;
  caseId?: string;
  /** Which version to show; defaults to the one the case's last decline calls for. */
  intent?: MessageIntent;
  channel?: MessageChannel;
  clock?: Clock;
  /** Where customers reach this instance; the preview's link points at its "link not valid" page. */
  publicUrl?: string;
};

export type Preview = RenderedMessage & {
  key: string | null;
  caseId: string | null;
  /** True when the built-in sample case was used. */
  sample: boolean;
  intent: MessageIntent;
  variables: MessageVariables;
};

// Previews carry no real link: this one leads to the "link not valid" page.
const PREVIEW_LINK = (input: PreviewInput) =>
  updateLinkUrl(input.publicUrl ?? 'http://127.0.0.1:3000', 'preview');

export async function previewTemplate(db: Db, input: PreviewInput): Promise<Result<Preview>> {
  if (input.source === undefined && input.key === undefined)
    return fail('invalid_field', 'give a source, a key, or both', 'source');
  if (input.intent !== undefined && !(MESSAGE_INTENTS as readonly string[]).includes(input.intent))
    return fail('invalid_field', `intent must be one of ${MESSAGE_INTENTS.join(', ')}`, 'intent');
  const at = await merchantBusinessNow(db, input.merchantId, input.clock);
  if (!at) return fail('not_found', 'no such merchant');

  let base: TemplateSource | null = null;
  if (input.key !== undefined) {
    const keyProblem = checkKey(input.key);
    if (keyProblem) return fail('invalid_field', `key ${keyProblem}`, 'key');
    base =
      (await findTemplateRow(db, input.merchantId, input.key)) ??
      (isDefaultKey(input.key) ? DEFAULT_TEMPLATES[input.key] : null);
  }
  const parts = input.source ?? {};
  const subject = parts.subject ?? base?.subject;
  const html = parts.html ?? base?.html;
  const text = parts.text ?? base?.text;
  if (subject === undefined || html === undefined || text === undefined) {
    if (input.key !== undefined && base === null)
      return fail('not_found', `no template "${input.key}"`, 'key');
    const missing = subject === undefined ? 'subject' : html === undefined ? 'html' : 'text';
    return fail('invalid_field', `source.${missing} is required without a saved template`, missing);
  }
  const source = { subject, html, text };
  if (input.source !== undefined) {
    const problem = await findTemplateProblem(source, at);
    if (problem) return fail('invalid_template', describeProblem(problem.problem), problem.field);
  }
  if (input.layout !== undefined) {
    const problem = await findLayoutProblem(input.layout, at);
    if (problem) return fail('invalid_template', describeProblem(problem), 'layout');
  }
  const layout =
    input.layout ?? (await findLayoutRow(db, input.merchantId))?.html ?? DEFAULT_LAYOUT;

  const chosen = await caseFor(db, input, at);
  if (!chosen.ok) return chosen;
  const { facts, caseId } = chosen.value;
  const variables = buildMessageVariables(facts);
  try {
    const rendered = await renderMessage(source, layout, variables);
    return ok({
      ...rendered,
      key: input.key ?? null,
      caseId,
      sample: caseId === null,
      intent: facts.intent,
      variables,
    });
  } catch (error) {
    if (error instanceof PartError)
      return fail('invalid_template', describeProblem(error.problem), error.part);
    throw error;
  }
}

async function caseFor(
  db: Db,
  input: PreviewInput,
  at: Date,
): Promise<Result<{ facts: MessageFacts; caseId: string | null }>> {
  const channel = input.channel ?? 'email';
  const row =
    input.caseId !== undefined
      ? await findCase(db, input.merchantId, input.caseId)
      : await latestCase(db, input.merchantId);
  if (!row) {
    if (input.caseId !== undefined) return fail('not_found', `no case ${input.caseId}`, 'case_id');
    const merchant = await getMerchant(db, input.merchantId);
    const facts = sampleFacts(at, {
      merchant: {
        name: merchant.name,
        fromAddress: merchant.from_address,
        supportContact: merchant.support_contact,
      },
      intent: input.intent ?? 'payment_failed',
      channel,
      updateUrl: PREVIEW_LINK(input),
    });
    return ok({ facts, caseId: null });
  }
  const intent = input.intent ?? messageIntent(asCategory(row.last_category));
  const facts = await factsOf(db, row, {
    intent,
    channel,
    at,
    updateUrl: PREVIEW_LINK(input),
    updateLinkExpiresAt: null,
  });
  return ok({ facts, caseId: row.case_id });
}
