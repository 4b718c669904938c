// Email over SMTP: the customer's first notice goes through a real SMTP server (in this process)
// and is read back as the customer's mail client would read it.
import { afterEach, describe, expect, it } from 'vitest';
import { verifyUpdateLinkToken } from '../../src/app/update-links/update-links.ts';
import { TEST_PUBLIC_URL } from '../support/api.ts';
import { createMessageWorld, type MessageWorld, startSmtpServer } from './support.ts';

let world: MessageWorld | undefined;
let smtp: Awaited<ReturnType<typeof startSmtpServer>> | undefined;
afterEach(async () => {
  await world?.close();
  await smtp?.close();
  world = undefined;
  smtp = undefined;
});

describe('email over SMTP', () => {
  it('delivers the first notice with subject, HTML and text, from the merchant, BCC and update link', async () => {
    smtp = await startSmtpServer();
    world = await createMessageWorld({ config: { smtpUrl: smtp.url } });
    await world.bccOnFirstStep();
    const { caseId } = await world.failedRenewal();

    expect(await world.dispatch()).toBe(1);

    expect(smtp.received).toHaveLength(1);
    const { envelope, mail } = smtp.received[0]!;
    // The customer and the merchant's BCC address are both envelope recipients; only the
    // customer is in the headers.
    expect(envelope.to.sort()).toEqual(['ada@example.com', 'audit@shop.example']);
    expect(envelope.from).toBe('billing@shop.example');
    expect(mail.from?.value).toEqual([{ address: 'billing@shop.example', name: 'Shop' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : mail.to).toBe('ada@example.com');
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

    const [message] = await world.messageRows();
    expect(message).toMatchObject({
      status: 'sent',
      channel: 'email',
      to_address: 'ada@example.com',
      bcc_address: 'audit@shop.example',
      step: 'step_1',
      template: 'first_notice',
      attempts: 1,
    });
    expect(mail.subject).toBe(message!.subject);
    expect(mail.subject).toMatch(/payment/i);
    expect(mail.text).toContain('Ada');
    expect(mail.html).toContain('Pro plan');
    expect(mail.messageId).toBe(`<${message!.message_id}@shop.example>`);

    // The link in both bodies opens this case's update page, and the link knows its message.
    const url = /https?:\/\/\S+\/pay\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')?.[0];
    expect(url?.startsWith(`${TEST_PUBLIC_URL}/pay/`)).toBe(true);
    expect(mail.html).toContain(url);
    const token = url!.slice(`${TEST_PUBLIC_URL}/pay/`.length);
    const verified = await verifyUpdateLinkToken(world.db, token, await world.now());
    expect(verified.ok && verified.link).toMatchObject({
      case_id: caseId,
      message_id: message!.message_id,
      link_id: message!.update_link_id,
    });

    expect(await world.eventTypes('message.')).toEqual(['message.queued', 'message.sent']);
  });

  it('sends no BCC on a step whose BCC switch is off', async () => {
    smtp = await startSmtpServer();
    world = await createMessageWorld({ config: { smtpUrl: smtp.url } });
    await world.failedRenewal();

    await world.dispatch();

    expect(smtp.received.map((r) => r.envelope.to)).toEqual([['ada@example.com']]);
    expect((await world.messageRows())[0]).toMatchObject({ bcc: false, bcc_address: null });
  });

  it('stores messages when no SMTP server is configured, and says so once', async () => {
    world = await createMessageWorld({ config: { smtpUrl: null } });
    await world.failedRenewal();
    await world.failedRenewal();
    const log: string[] = [];

    await world.dispatch({ log: (line) => log.push(line) });

    const messages = await world.messageRows();
    expect(messages.map((m) => m.status)).toEqual(['stored', 'stored']);
    expect(messages[0]!.subject).toMatch(/payment/i);
    expect(messages[0]!.text_body).toContain('/pay/');
    expect(log.filter((l) => l.includes('SMTP_URL is not set'))).toHaveLength(1);
    expect(await world.eventTypes('message.')).toEqual([
      'message.queued',
      'message.queued',
      'message.stored',
      'message.stored',
    ]);
  });
});
