// docs/webhooks.md documents every public event type with its fields and an example body; this
// keeps the page and the catalogue (src/domain/webhooks/public-events.ts) from drifting apart.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PUBLIC_EVENTS } from '../../domain/webhooks/public-events.ts';

const doc = readFileSync(new URL('../../../docs/webhooks.md', import.meta.url), 'utf8');
const catalogue = doc.slice(doc.indexOf('## Event catalogue'));

type Example = { type: string; timestamp: string; data: Record<string, unknown> };

/** Each `### \`type\`` section of the catalogue: its field table's names and its JSON example. */
function sections(): Map<string, { fields: string[]; example: Example }> {
  const out = new Map<string, { fields: string[]; example: Example }>();
  for (const part of catalogue.split(/^### /m).slice(1)) {
    const type = /^`([^`]+)`/.exec(part)?.[1];
    const json = /```json\n([\s\S]*?)\n```/.exec(part)?.[1];
    if (!type || !json)
      throw new Error(`a catalogue section without a type or example: ${part.slice(0, 60)}`);
    const fields = [...part.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
    out.set(type, { fields, example: JSON.parse(json) });
  }
  return out;
}

describe('docs/webhooks.md', () => {
  const documented = sections();

  it('documents exactly the public event types, in catalogue order', () => {
    expect([...documented.keys()]).toEqual(PUBLIC_EVENTS.map((e) => e.type));
  });

  it.each(PUBLIC_EVENTS.map((e) => [e.type, e] as const))(
    '%s: its field table and example body match the catalogue',
    (type, spec) => {
      const section = documented.get(type)!;
      const names = Object.keys(spec.fields);
      expect(section.fields).toEqual(names);
      expect(section.example).toEqual({
        type,
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        data: expect.any(Object),
      });
      expect(Object.keys(section.example.data)).toEqual(names);
      for (const [name, field] of Object.entries(spec.fields)) {
        const value = section.example.data[name];
        if (value === null) {
          expect(field.nullable, `${type}.${name} is null in the example`).toBe(true);
          continue;
        }
        const kind = {
          string: 'string',
          'date-time': 'string',
          integer: 'number',
          boolean: 'boolean',
        }[field.type];
        expect(typeof value, `${type}.${name}`).toBe(kind);
      }
    },
  );

  it('lists every type in the summary table', () => {
    for (const e of PUBLIC_EVENTS) expect(catalogue).toContain(`| [\`${e.type}\`]`);
  });
});
