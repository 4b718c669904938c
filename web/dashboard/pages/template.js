// The template editor: subject, HTML and text parts with a live preview on a case (the latest, a
// chosen one, or the built-in sample). A template the API refuses shows the part, line and reason.
import { flash } from '../actions.js';
import { ApiError, del, get, post, put } from '../api.js';
import { add, announce, clear, confirmDialog, field, fill, h, notice } from '../dom.js';

const PART_LABEL = { subject: 'Subject', html: 'HTML body', text: 'Text body', layout: 'Layout' };
const PREVIEW_DELAY_MS = 350;

export async function render(root, { params, navigate }) {
  const [key] = params;
  const isLayout = key === 'layout';
  const current = isLayout
    ? await get('/v1/templates/layout')
    : await get(`/v1/templates/${encodeURIComponent(key)}`);

  const parts = isLayout
    ? { layout: textarea('layout', current.html, 'Layout HTML') }
    : {
        subject: h('input', {
          id: 'tpl-subject',
          type: 'text',
          value: current.subject,
          spellcheck: 'false',
        }),
        html: textarea('html', current.html, 'HTML body'),
        text: textarea('text', current.text, 'Text body'),
      };
  const caseId = h('input', {
    id: 'tpl-case',
    type: 'text',
    placeholder: 'case_…',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const problem = h('div', { id: 'template-problem', 'aria-live': 'polite' });
  const result = h('div', { class: 'results' });
  const previewInfo = h('p', { class: 'muted small', 'data-testid': 'preview-info' });
  const previewSubject = h('p', { class: 'preview-subject', 'data-testid': 'preview-subject' });
  const frame = h('iframe', {
    class: 'preview-frame',
    title: 'Email preview',
    sandbox: 'allow-same-origin',
    'data-testid': 'preview-frame',
  });
  const previewText = h('pre', { class: 'preview-text', 'data-testid': 'preview-text' });

  const source = () =>
    isLayout
      ? { layout: parts.layout.value }
      : { subject: parts.subject.value, html: parts.html.value, text: parts.text.value };

  let seq = 0;
  let timer = null;
  async function preview() {
    const mine = ++seq;
    const s = source();
    const body = isLayout
      ? { key: 'first_notice', layout: s.layout }
      : { key, source: { subject: s.subject, html: s.html, text: s.text } };
    if (caseId.value.trim()) body.case_id = caseId.value.trim();
    try {
      const p = await post('/v1/templates/preview', body);
      if (mine !== seq) return;
      showProblem(null);
      previewInfo.textContent = p.sample
        ? 'Rendered with the built-in sample case.'
        : `Rendered with case ${p.case_id}.`;
      previewSubject.textContent = `Subject: ${p.subject}`;
      previewText.textContent = p.text;
      await renderHtml(frame, p.html);
    } catch (err) {
      if (mine !== seq) return;
      if (err instanceof ApiError && (err.code === 'invalid_template' || err.field))
        showProblem(err);
      else showProblem({ message: err.message, field: null });
    }
  }
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(preview, PREVIEW_DELAY_MS);
  };
  for (const el of [...Object.values(parts), caseId]) el.addEventListener('input', schedule);

  function showProblem(err) {
    for (const el of Object.values(parts)) {
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-errormessage');
    }
    clear(problem);
    if (!err) return;
    const part = (err.field ?? '').replace(/^source\./, '');
    const el = parts[part] ?? (isLayout ? parts.layout : null);
    const { line, text } = describeProblem(err, isLayout);
    add(
      problem,
      h(
        'div',
        {
          class: 'alert alert-error',
          id: 'template-problem-text',
          'data-testid': 'template-problem',
        },
        h('strong', null, 'This template cannot be used. '),
        text,
        el && line && el.tagName === 'TEXTAREA'
          ? h(
              'div',
              null,
              h(
                'button',
                { type: 'button', class: 'button small', onclick: () => goToLine(el, line) },
                `Go to line ${line}`,
              ),
            )
          : null,
      ),
    );
    previewInfo.textContent = 'The preview shows the last version that rendered.';
    if (el) {
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-errormessage', 'template-problem-text');
    }
  }

  const save = h('button', { type: 'submit', class: 'button primary' }, 'Save template');
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        clearTimeout(timer);
        save.disabled = true;
        try {
          const saved = isLayout
            ? await put('/v1/templates/layout', { html: parts.layout.value })
            : await put(`/v1/templates/${encodeURIComponent(key)}`, source());
          showProblem(null);
          flash(
            `Saved${saved.revision ? ` (revision ${saved.revision})` : ''}. Messages rendered from now on use it.`,
          );
          await navigate(`/dashboard/templates/${encodeURIComponent(key)}`, { replace: true });
        } catch (err) {
          showProblem(err);
          const { text } = describeProblem(err, isLayout);
          fill(result, notice(`Not saved. ${text}`, 'error'));
          announce(`Not saved. ${text}`);
          save.disabled = false;
          problem.querySelector('button')?.focus();
        }
      },
    },
    isLayout
      ? field(
          'Layout HTML',
          parts.layout,
          'Must output {{ content }} once; the message body goes there.',
        )
      : [
          field('Subject', parts.subject),
          field('HTML body', parts.html),
          field('Text body', parts.text, 'The plain-text part, also used for chat channels.'),
        ],
    problem,
    h(
      'div',
      { class: 'actions' },
      save,
      current.customized && (isLayout || current.has_default)
        ? h(
            'button',
            {
              type: 'button',
              class: 'button danger',
              onclick: async (event) => {
                const button = event.currentTarget;
                const yes = await confirmDialog({
                  title: 'Go back to the default?',
                  body: 'Your version is deleted and the built-in default is used again.',
                  confirm: 'Use the default',
                });
                if (!yes) return button.focus();
                try {
                  await del(
                    isLayout ? '/v1/templates/layout' : `/v1/templates/${encodeURIComponent(key)}`,
                  );
                  flash('Back to the built-in default.');
                  await navigate(`/dashboard/templates/${encodeURIComponent(key)}`, {
                    replace: true,
                  });
                } catch (err) {
                  fill(result, notice(err.message, 'error'));
                }
              },
            },
            'Use the default',
          )
        : null,
    ),
  );

  add(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, isLayout ? 'Email layout' : `Template ${key}`),
      h('a', { href: '/dashboard/templates' }, 'All templates'),
    ),
    current.purpose ? h('p', { class: 'muted' }, current.purpose) : null,
    result,
    h(
      'div',
      { class: 'editor' },
      h('section', { class: 'card', 'aria-label': 'Edit' }, form),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'preview-title' },
        h('h2', { id: 'preview-title' }, 'Preview'),
        field(
          'Preview with case',
          caseId,
          'Empty: the latest case, or a built-in sample when there is none.',
        ),
        previewInfo,
        previewSubject,
        frame,
        h('h3', null, 'Text part'),
        previewText,
      ),
    ),
  );
  // The first preview once the page is on screen (the frame must be in the document).
  setTimeout(preview, 0);
  return () => clearTimeout(timer);
}

/** "HTML body, line 3: unknown variable …" from the API's `field` and "line 3: …" message. */
function describeProblem(err, isLayout) {
  const part = (err.field ?? '').replace(/^source\./, '');
  const m = /^line (\d+):\s*(.*)$/s.exec(err.message ?? '');
  const line = m ? Number(m[1]) : null;
  const reason = m ? m[2] : err.message;
  const label = PART_LABEL[part] ?? (isLayout ? PART_LABEL.layout : null);
  if (!label) return { line, text: reason };
  return { line, text: `${label}${line ? `, line ${line}` : ''}: ${reason}` };
}

function textarea(name, value, label) {
  return h('textarea', {
    id: `tpl-${name}`,
    name,
    rows: name === 'text' ? '10' : '16',
    spellcheck: 'false',
    'aria-label': label,
    value,
  });
}

/** Selects line `line` (1-based) of a textarea and scrolls it into view. */
function goToLine(el, line) {
  const lines = el.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const end = start + (lines[line - 1]?.length ?? 0);
  el.focus();
  el.setSelectionRange(start, end);
  const lineHeight = Number.parseFloat(getComputedStyle(el).lineHeight) || 20;
  el.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

/**
 * Shows rendered email HTML in a sandboxed frame (no scripts run there). The page's policy forbids
 * inline styles in markup, so each element's style is moved onto it through the CSSOM, which the
 * policy allows; scripts, frames and event handlers are dropped first.
 */
async function renderHtml(frame, html) {
  for (let i = 0; i < 20 && !frame.isConnected; i++)
    await new Promise((r) => requestAnimationFrame(r));
  const target = frame.contentDocument;
  if (!target) return;
  // Renamed before parsing, so the parser never meets a style attribute the policy would refuse.
  const renamed = html.replace(/<[a-zA-Z][^>]*>/g, (tag) =>
    tag.replace(/(\s)style(\s*=)/gi, '$1data-preview-css$2'),
  );
  const parsed = new DOMParser().parseFromString(renamed, 'text/html');
  for (const bad of parsed.querySelectorAll(
    'script, iframe, object, embed, base, meta, link, form',
  ))
    bad.remove();
  const sheets = [];
  for (const style of parsed.querySelectorAll('style')) {
    sheets.push(style.textContent ?? '');
    style.remove();
  }
  const inline = [];
  for (const el of parsed.querySelectorAll('*')) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) el.removeAttribute(attr.name);
      else if ((name === 'href' || name === 'src') && /^\s*javascript:/i.test(attr.value))
        el.removeAttribute(attr.name);
      else if (name === 'data-preview-css' || name === 'style') {
        el.setAttribute('data-preview-style', String(inline.length));
        inline.push(attr.value);
        el.removeAttribute(attr.name);
      }
    }
    if (el.tagName === 'A') el.setAttribute('target', '_blank');
  }
  const root = target.importNode(parsed.documentElement, true);
  target.replaceChild(root, target.documentElement);
  for (const el of target.querySelectorAll('[data-preview-style]')) {
    el.style.cssText = inline[Number(el.getAttribute('data-preview-style'))] ?? '';
    el.removeAttribute('data-preview-style');
  }
  try {
    const View = frame.contentWindow;
    target.adoptedStyleSheets = sheets.map((css) => {
      const sheet = new View.CSSStyleSheet();
      sheet.replaceSync(css);
      return sheet;
    });
  } catch {
    // Without constructable sheets the preview keeps the inline styles only.
  }
  frame.style.height = `${Math.min(1600, Math.max(240, target.documentElement.scrollHeight + 8))}px`;
}
