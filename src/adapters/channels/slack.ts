// Slack incoming webhooks (https://api.slack.com/messaging/webhooks): one POST per message.
// Slack takes no idempotency key, so an attempt cut short by a crash is sent again.
import { type HttpOptions, postJson } from './http.ts';
import type { Channel } from './port.ts';

export function createSlackChannel(options: HttpOptions = {}): Channel<'slack'> {
  return {
    kind: 'slack',
    send: (message, destination) => {
      const text = escapeMrkdwn(message.text);
      const body = {
        // Shown in notifications and by clients that do not render blocks.
        text: `${escapeMrkdwn(message.subject)}\n\n${text}`,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: message.subject.slice(0, 150) } },
          { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } },
        ],
        unfurl_links: false,
      };
      return postJson(
        {
          url: destination.webhookUrl,
          body: JSON.stringify(body),
          headers: {},
          policy: { allowLoopback: message.allowLoopback },
        },
        options,
      );
    },
  };
}

/** Slack's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
