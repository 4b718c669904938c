// Test support: the standard streams of a simulate command, captured as text.
import { PassThrough } from 'node:stream';

export function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { out: '', err: '' };
  stdout.on('data', (b: Buffer) => {
    text.out += b.toString();
  });
  stderr.on('data', (b: Buffer) => {
    text.err += b.toString();
  });
  return { io: { stdout, stderr }, text };
}
