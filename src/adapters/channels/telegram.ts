// Telegram bot API sendMessage (https://core.telegram.org/bots/api#sendmessage) to the customer's
// chat with the merchant's bot. The API base is configurable so tests talk to a local receiver.
import { type HttpOptions, postJson } from './http.ts';
import type { Channel } from './port.ts';

export const TELEGRAM_API_URL = 'https://api.telegram.org';

export function createTelegramChannel(
  options: HttpOptions & { apiUrl?: string } = {},
): Channel<'telegram'> {
  const base = (options.apiUrl ?? TELEGRAM_API_URL).replace(/\/+$/, '');
  return {
    kind: 'telegram',
    send: async (message, destination) => {
      const body = {
        chat_id: destination.chatId,
        text: `${message.subject}\n\n${message.text}`.slice(0, 4096),
        link_preview_options: { is_disabled: true },
      };
      // The API base is the operator's configuration, not a merchant's URL: it is not checked.
      const outcome = await postJson(
        {
          url: `${base}/bot${destination.botToken}/sendMessage`,
          body: JSON.stringify(body),
          headers: {},
          policy: null,
        },
        options,
        (_status, text) => {
          try {
            const id = (JSON.parse(text) as { result?: { message_id?: unknown } }).result
              ?.message_id;
            return id === undefined ? null : String(id);
          } catch {
            return null;
          }
        },
      );
      // 403 "bot was blocked by the user" and 400 "chat not found": this chat is gone for good.
      if (outcome.kind === 'rejected' && /answered 403|chat not found/i.test(outcome.reason))
        return { ...outcome, gone: true };
      return outcome;
    },
  };
}
