// The Liquid engines messages are rendered with, and the checks a template passes before it is
// saved. Strict: an unknown variable or filter is an error, never an empty string. The HTML engine
// escapes every value it outputs; the text engine (subject, text part, chat) writes them as they are.
// Templates come from merchant operators, so nothing may reach the file system (include, render and
// layout are refused) and each render is bounded in time and memory.
import { Liquid, type Template } from 'liquidjs';
import type { VariableName } from '../../../domain/messages/variables.ts';

export type Part = 'subject' | 'html' | 'text' | 'layout';

/** A problem found in a template, with its 1-based line when Liquid knows it. */
export type TemplateProblem = { line: number | null; reason: string };

export function describeProblem(p: TemplateProblem): string {
  return p.line === null ? p.reason : `line ${p.line}: ${p.reason}`;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(readonly problem: TemplateProblem) {
    super(describeProblem(problem));
  }
}

// Bounds for one render: a runaway `{% for %}` in a merchant's template must not stall delivery.
const LIMITS = { parseLimit: 1_000_000, renderLimit: 2_000, memoryLimit: 10_000_000 };

const FORBIDDEN_TAGS = ['include', 'render', 'layout'] as const;

function createEngine(escapeHtml: boolean): Liquid {
  const engine = new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    // An in-memory map with nothing in it: no template can read a file.
    templates: {},
    timezoneOffset: 0,
    ...(escapeHtml ? { outputEscape: 'escape' as const } : {}),
    ...LIMITS,
  });
  for (const tag of FORBIDDEN_TAGS) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(`the ${tag} tag is not available in message templates`);
      },
      render() {
        return '';
      },
    });
  }
  // `raw` would switch escaping off for customer-supplied values such as the name; here it is a
  // plain identity filter, so values stay escaped (checkTemplate also rejects it with its line).
  engine.registerFilter('raw', (value: unknown) => value);
  return engine;
}

const htmlEngine = createEngine(true);
const textEngine = createEngine(false);

const engineFor = (part: Part) => (part === 'html' || part === 'layout' ? htmlEngine : textEngine);

export function parseTemplate(source: string, part: Part): Template[] {
  try {
    return engineFor(part).parse(source);
  } catch (error) {
    throw new TemplateError(problemOf(error));
  }
}

export async function renderTemplate(
  templates: Template[],
  part: Part,
  scope: Record<string, unknown>,
): Promise<string> {
  try {
    return String(await engineFor(part).render(templates, scope));
  } catch (error) {
    throw new TemplateError(problemOf(error));
  }
}

// Properties Liquid gives every string or list; anything else on our flat variables is a mistake.
const BUILT_IN_PROPERTIES = new Set(['size', 'first', 'last']);

/**
 * Parse, then the static checks a single render cannot make: names used only inside a branch
 * the sample does not take, and the `raw` filter.
 */
export function staticProblems(
  templates: Template[],
  source: string,
  part: Part,
  known: ReadonlySet<string>,
): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const analysis = engineFor(part).analyzeSync(templates, { partials: false });
  for (const [root, uses] of Object.entries(analysis.globals)) {
    for (const use of uses) {
      const line = use.location.row;
      if (!known.has(root)) {
        problems.push({ line, reason: unknownVariable(root, known) });
        continue;
      }
      const property = use.segments[1];
      if (typeof property === 'string' && !BUILT_IN_PROPERTIES.has(property)) {
        problems.push({ line, reason: `${root} has no property "${property}"` });
      }
    }
  }
  const rawLine = lineOfRawFilter(source);
  if (rawLine !== null && (part === 'html' || part === 'layout')) {
    problems.push({
      line: rawLine,
      reason: 'the raw filter is not allowed: values are always HTML-escaped in the HTML part',
    });
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function unknownVariable(name: string, known: ReadonlySet<string>): string {
  const guess = closest(name, known);
  return `unknown variable "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}`;
}

/** The nearest known name within two edits, to turn a typo into a one-line fix. */
function closest(name: string, known: ReadonlySet<string>): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Line of the first `| raw` inside an output or tag; string literals that say "| raw" are rare enough. */
function lineOfRawFilter(source: string): number | null {
  const markup = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
  for (const match of source.matchAll(markup)) {
    if (/\|\s*raw\b/.test(match[0])) {
      return source.slice(0, match.index).split('\n').length;
    }
  }
  return null;
}

/** Liquid's error, reduced to its innermost line and reason (Liquid appends ", line:N, col:M"). */
export function problemOf(error: unknown): TemplateProblem {
  if (error instanceof TemplateError) return error.problem;
  let line: number | null = null;
  let reason = error instanceof Error ? error.message : String(error);
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    const token = (current as { token?: { getPosition?: () => [number, number] } }).token;
    const position = token?.getPosition?.();
    if (position) line = position[0];
    reason = current.message;
    current = (current as { originalError?: unknown }).originalError;
  }
  reason = reason.replace(/, line:\d+, col:\d+/g, '').trim();
  return { line, reason: reason === '' ? 'the template could not be read' : reason };
}

export type KnownNames = ReadonlySet<VariableName | 'content'>;
