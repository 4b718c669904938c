// Discord webhooks (https://discord.com/developers/docs/resources/webhook#execute-webhook).
// `wait=true` makes Discord answer with the created message, whose id we keep. No mentions are
// parsed, so a customer name such as "@everyone" pings nobody.
import { type HttpOptions, postJson } from './http.ts';
import type { Channel } from './port.ts';

export function createDiscordChannel(options: HttpOptions = {}): Channel<'discord'> {
  return {
    kind: 'discord',
    send: (message, destination) => {
      const url = new URL(destination.webhookUrl);
      url.searchParams.set('wait', 'true');
      const body = {
        embeds: [
          {
            title: message.subject.slice(0, 256),
            description: message.text.slice(0, 4096),
            ...(message.updateUrl ? { url: message.updateUrl } : {}),
          },
        ],
        allowed_mentions: { parse: [] },
      };
      const post = {
        url: url.toString(),
        body: JSON.stringify(body),
        headers: {},
        policy: { allowLoopback: message.allowLoopback },
      };
      return postJson(post, options, (_status, text) => {
        try {
          return String((JSON.parse(text) as { id?: unknown }).id ?? '') || null;
        } catch {
          return null;
        }
      });
    },
  };
}
