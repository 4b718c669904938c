// Renders a template's three parts with a case's variables: subject and text as plain text, the
// HTML body escaped and wrapped in the layout. A part that fails says which part and which line.
import { randomBytes } from 'node:crypto';
import type { Template } from 'liquidjs';
import type { MessageVariables } from '../../../domain/messages/variables.ts';
import type { TemplateSource } from './defaults.ts';
import {
  type Part,
  parseTemplate,
  renderTemplate,
  TemplateError,
  type TemplateProblem,
} from './liquid.ts';

export type RenderedMessage = { subject: string; html: string; text: string };

export class PartError extends Error {
  override name = 'PartError';
  constructor(
    readonly part: Part,
    readonly problem: TemplateProblem,
  ) {
    super(`${part}: ${problem.line === null ? '' : `line ${problem.line}: `}${problem.reason}`);
  }
}

/** Mail clients and RFC 5322 cope with long subjects badly; nobody reads past this anyway. */
export const MAX_SUBJECT_LENGTH = 255;

// Where the layout's {{ content }} goes: the layout renders this marker (letters and digits, so
// escaping leaves it alone) and the body replaces it, already escaped, after rendering.
const CONTENT_MARKER = `DUNNERCONTENT${randomBytes(12).toString('hex')}`;

const compiled = new Map<string, Template[]>();
const COMPILED_CACHE_SIZE = 500;

/** Parsed templates by source: a schedule sends the same few templates over and over. */
export function compile(source: string, part: Part): Template[] {
  const key = `${part}\u0000${source}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const templates = parseTemplate(source, part);
  if (compiled.size >= COMPILED_CACHE_SIZE) {
    const oldest = compiled.keys().next().value;
    if (oldest !== undefined) compiled.delete(oldest);
  }
  compiled.set(key, templates);
  return templates;
}

async function renderPart(
  source: string,
  part: Part,
  scope: Record<string, unknown>,
): Promise<string> {
  try {
    return await renderTemplate(compile(source, part), part, scope);
  } catch (error) {
    if (error instanceof TemplateError) throw new PartError(part, error.problem);
    throw error;
  }
}

export async function renderMessage(
  source: TemplateSource,
  layout: string | null,
  variables: MessageVariables,
): Promise<RenderedMessage> {
  const scope = variables as unknown as Record<string, unknown>;
  const subject = tidySubject(await renderPart(source.subject, 'subject', scope));
  const body = await renderPart(source.html, 'html', scope);
  const html = layout === null ? body : await applyLayout(layout, body, scope);
  const text = tidyText(await renderPart(source.text, 'text', scope));
  return { subject, html: tidyHtml(html), text };
}

/** The layout rendered around an already rendered (and escaped) body. */
export async function applyLayout(
  layout: string,
  body: string,
  scope: Record<string, unknown>,
): Promise<string> {
  const wrapper = await renderPart(layout, 'layout', { ...scope, content: CONTENT_MARKER });
  return wrapper.split(CONTENT_MARKER).join(body);
}

/** How many times a rendered layout placed the body. */
export async function contentSlots(
  layout: string,
  scope: Record<string, unknown>,
): Promise<number> {
  const wrapper = await renderPart(layout, 'layout', { ...scope, content: CONTENT_MARKER });
  return wrapper.split(CONTENT_MARKER).length - 1;
}

export function tidySubject(subject: string): string {
  const line = subject.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_SUBJECT_LENGTH ? line : `${line.slice(0, MAX_SUBJECT_LENGTH - 1)}…`;
}

/** Lines that held only a tag leave blanks behind: keep at most one empty line in a row. */
export function tidyText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function tidyHtml(html: string): string {
  return html.replace(/\n[ \t]*(?:\n[ \t]*)+/g, '\n').trim();
}
