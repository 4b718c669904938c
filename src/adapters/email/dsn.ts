// Delivery status notifications (RFC 3464): a multipart/report whose message/delivery-status part
// has one field block per recipient (Final-Recipient, Action, Status, Diagnostic-Code), and whose
// last part carries the original message or its headers (we read its Message-ID).
import { simpleParser } from 'mailparser';

export type DsnRecipient = {
  address: string;
  /** failed | delayed | delivered | relayed | expanded (RFC 3464 section 2.3.3). */
  action: string;
  /** Enhanced status code such as 5.1.1 (RFC 3463). */
  status: string | null;
  diagnostic: string | null;
};

export type DeliveryReport = { recipients: DsnRecipient[]; originalMessageId: string | null };

/**
 * Parses a DSN. `raw` is the whole report email, or only its body when `contentType` (the HTTP
 * Content-Type it arrived with, e.g. `multipart/report; boundary=…`) supplies the missing header.
 * Returns null when the text holds no delivery-status part.
 */
export async function parseDeliveryReport(
  raw: string | Buffer,
  contentType?: string,
): Promise<DeliveryReport | null> {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  const source =
    contentType && /^multipart\/report/i.test(contentType.trim())
      ? `Content-Type: ${contentType}\r\nMIME-Version: 1.0\r\n\r\n${text}`
      : text;
  const mail = await simpleParser(source, { keepDeliveryStatus: true });
  const status = mail.attachments.find((a) => a.contentType === 'message/delivery-status');
  if (!status) return null;
  const recipients = fieldBlocks(status.content.toString('utf8'))
    .filter((block) => block.has('final-recipient') || block.has('original-recipient'))
    .map((block) => ({
      address: addressOf(block.get('final-recipient') ?? block.get('original-recipient') ?? ''),
      action: (block.get('action') ?? '').toLowerCase(),
      status: /([245]\.\d{1,3}\.\d{1,3})/.exec(block.get('status') ?? '')?.[1] ?? null,
      diagnostic: block.get('diagnostic-code') ?? null,
    }))
    .filter((r) => r.address !== '');
  const original = mail.attachments.find(
    (a) => a.contentType === 'text/rfc822-headers' || a.contentType === 'message/rfc822',
  );
  const originalMessageId = original
    ? (/^message-id:\s*(<[^>]+>)/im.exec(original.content.toString('utf8'))?.[1] ?? null)
    : null;
  return { recipients, originalMessageId };
}

/** Header-style field blocks separated by blank lines; continuation lines are unfolded. */
function fieldBlocks(text: string): Map<string, string>[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((chunk) => {
      const fields = new Map<string, string>();
      for (const line of chunk.replace(/\n[ \t]+/g, ' ').split('\n')) {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
        if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
      }
      return fields;
    });
}

/** "rfc822; ada@example.com" -> "ada@example.com". */
function addressOf(field: string): string {
  const value = field.includes(';') ? field.slice(field.indexOf(';') + 1) : field;
  return value.trim().replace(/^<|>$/g, '').toLowerCase();
}
