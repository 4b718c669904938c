// The checks a template passes before it is saved: it parses, names only known variables and
// filters, and renders without error against both built-in samples (see domain/messages/sample.ts).
// The first problem is reported with its part and line, e.g. html "line 12: unknown variable …".
import { sampleFacts, sparseSampleFacts } from '../../../domain/messages/sample.ts';
import {
  buildMessageVariables,
  type MessageVariables,
  VARIABLE_NAMES,
} from '../../../domain/messages/variables.ts';
import type { TemplateSource } from './defaults.ts';
import { type Part, staticProblems, TemplateError, type TemplateProblem } from './liquid.ts';
import { compile, contentSlots, PartError, renderMessage } from './render.ts';

export type FieldProblem = { field: Part; problem: TemplateProblem };

/** Longest source accepted per part, in characters. */
export const SOURCE_LIMITS: Readonly<Record<Part, number>> = {
  subject: 1_000,
  html: 100_000,
  text: 50_000,
  layout: 100_000,
};

const KNOWN = new Set<string>(VARIABLE_NAMES);
const KNOWN_IN_LAYOUT = new Set<string>([...VARIABLE_NAMES, 'content']);

/** Variables of both samples, as of `at` (dates in the samples are relative to it). */
export function sampleVariables(at: Date, merchantName?: string): MessageVariables[] {
  const merchant = merchantName
    ? {
        name: merchantName,
        fromAddress: 'billing@example.com',
        supportContact: 'support@example.com',
      }
    : undefined;
  return [
    buildMessageVariables(sampleFacts(at, merchant ? { merchant } : {})),
    buildMessageVariables(sparseSampleFacts(at, merchantName)),
  ];
}

export async function findTemplateProblem(
  source: TemplateSource,
  at: Date,
): Promise<FieldProblem | null> {
  for (const part of ['subject', 'html', 'text'] as const) {
    const problem = staticCheck(source[part], part, KNOWN);
    if (problem) return { field: part, problem };
  }
  for (const variables of sampleVariables(at)) {
    try {
      const rendered = await renderMessage(source, null, variables);
      if (rendered.subject === '') {
        return {
          field: 'subject',
          problem: { line: null, reason: 'the subject is empty when rendered' },
        };
      }
    } catch (error) {
      if (error instanceof PartError) return { field: error.part, problem: error.problem };
      throw error;
    }
  }
  return null;
}

export async function findLayoutProblem(html: string, at: Date): Promise<TemplateProblem | null> {
  const problem = staticCheck(html, 'layout', KNOWN_IN_LAYOUT);
  if (problem) return problem;
  for (const variables of sampleVariables(at)) {
    try {
      const slots = await contentSlots(html, variables as unknown as Record<string, unknown>);
      if (slots !== 1) {
        return {
          line: null,
          reason:
            slots === 0
              ? 'the layout must output {{ content }}, where each message goes'
              : 'the layout must output {{ content }} only once',
        };
      }
    } catch (error) {
      if (error instanceof PartError) return error.problem;
      throw error;
    }
  }
  return null;
}

function staticCheck(
  source: unknown,
  part: Part,
  known: ReadonlySet<string>,
): TemplateProblem | null {
  if (typeof source !== 'string') return { line: null, reason: 'must be a string' };
  if (source.length > SOURCE_LIMITS[part]) {
    return { line: null, reason: `${part} is longer than ${SOURCE_LIMITS[part]} characters` };
  }
  if (source.trim() === '') {
    const what = {
      subject: 'the subject',
      html: 'the HTML part',
      text: 'the text part',
      layout: 'the layout',
    };
    return { line: null, reason: `${what[part]} is empty` };
  }
  try {
    const templates = compile(source, part);
    return staticProblems(templates, source, part, known)[0] ?? null;
  } catch (error) {
    if (error instanceof TemplateError) return error.problem;
    throw error;
  }
}
