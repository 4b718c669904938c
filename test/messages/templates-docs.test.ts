// docs/templates.md lists exactly the variables a template can use, as the code builds them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE_KEYS } from '../../src/app/messages/templates/defaults.ts';
import { VARIABLE_NAMES } from '../../src/domain/messages/variables.ts';

const doc = readFileSync(new URL('../../docs/templates.md', import.meta.url), 'utf8');

describe('docs/templates.md', () => {
  it('documents every variable, and no other', () => {
    const section = doc.slice(doc.indexOf('## Variables'), doc.indexOf('## Rules'));
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(VARIABLE_NAMES);
  });

  it('describes every default template', () => {
    const section = doc.slice(
      doc.indexOf('## The default cadence'),
      doc.indexOf('### What the customer'),
    );
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual([...DEFAULT_TEMPLATE_KEYS]);
  });
});
