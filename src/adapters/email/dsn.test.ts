import { describe, expect, it } from 'vitest';
import { parseDeliveryReport } from './dsn.ts';
import { enhancedStatus, messageIdHeader } from './smtp.ts';

const crlf = (lines: string[]) => lines.join('\r\n');

const report = (statusBlocks: string[], original: string[]) =>
  crlf([
    'From: MAILER-DAEMON@mx.example.net',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'Delivery report.',
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    ...statusBlocks,
    '--B',
    ...original,
    '--B--',
    '',
  ]);

describe('parseDeliveryReport (RFC 3464)', () => {
  it('reads each recipient block and the original Message-ID', async () => {
    const raw = report(
      [
        'Final-Recipient: rfc822; Ada@Example.com',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 user unknown,',
        '  try another address',
        '',
        'Final-Recipient: rfc822;bob@example.com',
        'Action: delayed',
        'Status: 4.4.1',
        '',
      ],
      [
        'Content-Type: message/rfc822',
        '',
        'Message-ID: <msg_abc123@shop.example>',
        'Subject: Your payment failed',
        '',
        'body',
        '',
      ],
    );
    expect(await parseDeliveryReport(raw)).toEqual({
      recipients: [
        {
          address: 'ada@example.com',
          action: 'failed',
          status: '5.1.1',
          diagnostic: 'smtp; 550 5.1.1 user unknown, try another address',
        },
        { address: 'bob@example.com', action: 'delayed', status: '4.4.1', diagnostic: null },
      ],
      originalMessageId: '<msg_abc123@shop.example>',
    });
  });

  it('reads a report given as its body plus the Content-Type it came with', async () => {
    const raw = report(
      ['Final-Recipient: rfc822; a@b.example', 'Action: delivered', 'Status: 2.0.0', ''],
      ['Content-Type: text/rfc822-headers', '', 'Message-ID: <msg_x@shop.example>', ''],
    );
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    const parsed = await parseDeliveryReport(
      body,
      'multipart/report; report-type=delivery-status; boundary="B"',
    );
    expect(parsed?.recipients).toEqual([
      { address: 'a@b.example', action: 'delivered', status: '2.0.0', diagnostic: null },
    ]);
    expect(parsed?.originalMessageId).toBe('<msg_x@shop.example>');
  });

  it('returns null for a mail that is not a delivery report', async () => {
    expect(await parseDeliveryReport('Subject: hi\r\n\r\nhello')).toBeNull();
  });
});

describe('SMTP helpers', () => {
  it.each([
    ['550 5.1.1 <a@b>: Recipient address rejected', '5.1.1'],
    ['452 4.2.2 Mailbox full', '4.2.2'],
    ['550 no such user', null],
  ])('enhancedStatus(%s) = %s', (text, expected) => {
    expect(enhancedStatus(text)).toBe(expected);
  });

  it.each([
    ['billing@shop.example', '<msg_1@shop.example>'],
    ['"Shop" <billing@shop.example>', '<msg_1@shop.example>'],
    ['Shop <billing@mail.shop.example>', '<msg_1@mail.shop.example>'],
  ])('Message-ID for a sender %s is %s', (from, expected) => {
    expect(messageIdHeader('msg_1', from)).toBe(expected);
  });
});
