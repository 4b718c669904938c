// Email over SMTP with nodemailer (SMTP_URL: smtp://user:pass@host:587 or smtps://…:465).
// Every attempt of a message carries the same Message-ID (RFC 5322 section 3.6.4: it identifies the
// message), built from the message's dedupe key, so a resend after a crash is the same message to
// the mail systems that collapse duplicates by Message-ID.
import nodemailer from 'nodemailer';
import type { Channel, SendOutcome } from '../channels/port.ts';

export type SmtpOptions = {
  url: string;
  /** Connection, greeting and socket timeouts; keep them well under the dispatcher's lease. */
  timeoutMs?: number;
};

type SmtpError = Error & {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
};

export function createSmtpChannel(options: SmtpOptions): Channel<'email'> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const transport = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    kind: 'email',
    send: async (message, destination): Promise<SendOutcome> => {
      try {
        const info = await transport.sendMail({
          from: destination.from,
          to: destination.to,
          ...(destination.bcc ? { bcc: destination.bcc } : {}),
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: messageIdHeader(message.dedupeKey, destination.from),
          headers: {
            // RFC 3834: an automatic message; auto-responders should not answer it.
            'Auto-Submitted': 'auto-generated',
            'X-Auto-Response-Suppress': 'All',
          },
        });
        const refused = info.rejectedErrors?.find((e) =>
          sameAddress(String((e as { recipient?: string }).recipient ?? ''), destination.to),
        ) as SmtpError | undefined;
        if (refused || info.rejected.some((r) => sameAddress(String(r), destination.to)))
          return bounceFrom(refused ?? null, destination.to);
        return {
          kind: 'accepted',
          providerId: (info as { serverMessageId?: string }).serverMessageId ?? null,
        };
      } catch (error) {
        return outcomeOfError(error as SmtpError, destination.to);
      }
    },
    close: () => transport.close(),
  };
}

/** `<msg_…@shop.example>`: the message's dedupe key at the sender's domain. */
export function messageIdHeader(dedupeKey: string, from: string): string {
  const domain = /@([^\s@<>]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${dedupeKey}@${domain}>`;
}

function outcomeOfError(error: SmtpError, to: string): SendOutcome {
  const code = error.responseCode;
  // 5xx to RCPT TO: this address is refused (RFC 5321 section 4.2.1, permanent negative reply).
  if (code && code >= 500 && error.command === 'RCPT TO') return bounceFrom(error, to);
  if (code && code >= 500)
    return { kind: 'rejected', reason: `SMTP ${error.response ?? code}`, gone: false };
  // 4xx, timeouts, refused connections, TLS and login problems: worth another try later.
  return {
    kind: 'failed',
    reason: `SMTP ${error.response ?? error.code ?? ''} ${error.message}`.trim(),
  };
}

function bounceFrom(error: SmtpError | null, to: string): SendOutcome {
  const response = error?.response ?? `550 recipient ${to} refused`;
  return {
    kind: 'bounced',
    reason: `SMTP ${response}`,
    statusCode:
      enhancedStatus(response) ?? (error?.responseCode ? String(error.responseCode) : null),
  };
}

/** "5.1.1" from "550 5.1.1 <a@b>: user unknown" (RFC 3463 enhanced status codes). */
export function enhancedStatus(text: string): string | null {
  return /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] ?? null;
}

function sameAddress(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
