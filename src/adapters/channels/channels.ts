// The set of channels a dispatcher sends through, built from configuration.
import { createSmtpChannel } from '../email/smtp.ts';
import type { Resolver } from '../net/outbound-http.ts';
import { createDiscordChannel } from './discord.ts';
import type { ChannelSet } from './port.ts';
import { createSlackChannel } from './slack.ts';
import { createTelegramChannel } from './telegram.ts';
import { createWebhookChannel } from './webhook.ts';

export type ChannelsConfig = {
  /** null: no SMTP server, emails are stored instead of sent. */
  smtpUrl: string | null;
  /** Telegram bot API base; tests point it at a local receiver. */
  telegramApiUrl?: string;
  timeoutMs?: number;
  /** DNS for the address check of chat and webhook URLs; tests pass their own. */
  resolve?: Resolver;
};

export function createChannels(config: ChannelsConfig): ChannelSet {
  const http = {
    ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.resolve ? { resolve: config.resolve } : {}),
  };
  return {
    email: config.smtpUrl
      ? createSmtpChannel({
          url: config.smtpUrl,
          ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
        })
      : null,
    slack: createSlackChannel(http),
    discord: createDiscordChannel(http),
    telegram: createTelegramChannel({
      ...http,
      ...(config.telegramApiUrl ? { apiUrl: config.telegramApiUrl } : {}),
    }),
    webhook: createWebhookChannel(http),
  };
}

export function closeChannels(channels: ChannelSet): void {
  for (const channel of Object.values(channels)) channel?.close?.();
}
