import { describe, expect, it } from 'vitest';
import { describeProblem } from './liquid.ts';
import { findLayoutProblem, findTemplateProblem } from './validate.ts';

const AT = new Date('2025-03-14T15:00:00Z');
const ok = {
  subject: 'Payment for {{ product_name }}',
  html: '<p>Hi {{ name }}</p>',
  text: 'Hi {{ name }}',
};

async function problemIn(parts: Partial<typeof ok>) {
  const found = await findTemplateProblem({ ...ok, ...parts }, AT);
  return found ? { field: found.field, message: describeProblem(found.problem) } : null;
}

describe('a template is checked before it is saved', () => {
  it('accepts a good one', async () => {
    expect(await problemIn({})).toBeNull();
  });

  it('rejects an unclosed tag with its line', async () => {
    expect(
      await problemIn({
        html: '<p>Hi {{ name }}</p>\n\n{% if payment_profile_exists %}\n<p>card</p>',
      }),
    ).toEqual({ field: 'html', message: 'line 3: tag {% if payment_profile_exists %} not closed' });
  });

  it('rejects an unclosed output with its line', async () => {
    expect(await problemIn({ text: 'Hi\n{{ name' })).toEqual({
      field: 'text',
      message: 'line 2: output "{{ name" not closed',
    });
  });

  it('rejects an unknown variable with its line and a likely fix', async () => {
    expect(await problemIn({ text: 'Hi {{ name }},\nyou owe {{ balanse }}' })).toEqual({
      field: 'text',
      message: 'line 2: unknown variable "balanse" (did you mean "balance"?)',
    });
  });

  it('finds an unknown variable in a branch the sample would not take', async () => {
    expect(
      await problemIn({
        html: '<p>Hi</p>\n{% if payment_profile_exists %}ok{% else %}\n\n{{ pay_link_url }}{% endif %}',
      }),
    ).toEqual({ field: 'html', message: 'line 4: unknown variable "pay_link_url"' });
  });

  it('rejects an unknown filter with its line', async () => {
    expect(await problemIn({ html: '<p>\n{{ name | shout }}</p>' })).toEqual({
      field: 'html',
      message: 'line 2: undefined filter: shout',
    });
  });

  it('rejects an unknown tag', async () => {
    expect(await problemIn({ text: '{% greet name %}' })).toEqual({
      field: 'text',
      message: 'line 1: tag "greet" not found',
    });
  });

  it('rejects a property our variables do not have', async () => {
    expect(await problemIn({ text: '{{ name.first }} {{ name.surname }}' })).toEqual({
      field: 'text',
      message: 'line 1: name has no property "surname"',
    });
  });

  it('reports the subject first', async () => {
    expect(await problemIn({ subject: '{{ nope }}', html: '{{ nope2 }}' })).toMatchObject({
      field: 'subject',
    });
  });

  it('rejects an empty subject', async () => {
    expect(await problemIn({ subject: '  ' })).toEqual({
      field: 'subject',
      message: 'the subject is empty',
    });
    expect(await problemIn({ subject: '{{ support_contact }}' })).toEqual({
      field: 'subject',
      message: 'the subject is empty when rendered',
    });
  });

  it('refuses include, render and layout: templates cannot read files', async () => {
    for (const tag of ['include', 'render', 'layout']) {
      expect(await problemIn({ html: `<p>x</p>\n{% ${tag} "/etc/passwd" %}` })).toEqual({
        field: 'html',
        message: `line 2: the ${tag} tag is not available in message templates`,
      });
    }
  });

  it('refuses the raw filter in the HTML part', async () => {
    expect(await problemIn({ html: '<p>\n\n{{ name | raw }}</p>' })).toEqual({
      field: 'html',
      message:
        'line 3: the raw filter is not allowed: values are always HTML-escaped in the HTML part',
    });
  });

  it('stops a runaway loop', async () => {
    const found = await problemIn({ text: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' });
    expect(found?.field).toBe('text');
    expect(found?.message).toMatch(/^line 1: .*limit/);
  });

  it('rejects a part that is empty or too long', async () => {
    expect(await problemIn({ text: 'x'.repeat(50_001) })).toEqual({
      field: 'text',
      message: 'text is longer than 50000 characters',
    });
    expect(await problemIn({ html: ' \n ' })).toEqual({
      field: 'html',
      message: 'the HTML part is empty',
    });
  });
});

describe('a layout is checked before it is saved', () => {
  it('accepts one with {{ content }}', async () => {
    expect(await findLayoutProblem('<div>{{ merchant_name }}</div>{{ content }}', AT)).toBeNull();
  });

  it('needs {{ content }} exactly once', async () => {
    expect(describeProblem((await findLayoutProblem('<div>no body</div>', AT))!)).toBe(
      'the layout must output {{ content }}, where each message goes',
    );
    expect(describeProblem((await findLayoutProblem('{{ content }}{{ content }}', AT))!)).toBe(
      'the layout must output {{ content }} only once',
    );
  });

  it('reports an unknown variable with its line', async () => {
    expect(
      describeProblem((await findLayoutProblem('<div>\n{{ logo_url }}</div>{{ content }}', AT))!),
    ).toBe('line 2: unknown variable "logo_url"');
  });
});
