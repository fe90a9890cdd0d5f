import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../../config.ts';

export interface MailMessage {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Where mail goes, for the start banner (never the SMTP password). */
export function describeMail(config: Pick<Config, 'smtpUrl' | 'dataDir'>): string {
  if (!config.smtpUrl) return `Mail: no SMTP_URL, so invoice emails are written as .eml files under ${path.join(config.dataDir, 'mail')}`;
  const url = new URL(config.smtpUrl);
  return `Mail: SMTP ${url.protocol}//${url.host}`;
}

/** Without an SMTP server, each message is kept as an .eml file a mail client can open. */
function fileMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail(message);
      await fs.mkdir(dir, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(info.messageId).replace(/[^A-Za-z0-9@._-]/g, '')}.eml`;
      // Written aside and renamed, so a reader never sees half a message.
      const partial = path.join(dir, `.${name}.partial`);
      await fs.writeFile(partial, info.message as Buffer);
      await fs.rename(partial, path.join(dir, name));
    },
  };
}

function smtpMailer(url: string): Mailer {
  // A slow or silent server fails the attempt (and the job retries) instead of holding the worker.
  const transport = nodemailer.createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(message) {
      await transport.sendMail(message);
    },
  };
}

const mailers = new Map<string, Mailer>();

/** One transport per destination and process, made on first use. */
export function mailerFor(config: Pick<Config, 'smtpUrl' | 'dataDir'>): Mailer {
  const key = config.smtpUrl ?? `file:${config.dataDir}`;
  let mailer = mailers.get(key);
  if (!mailer) {
    mailer = config.smtpUrl ? smtpMailer(config.smtpUrl) : fileMailer(path.join(config.dataDir, 'mail'));
    mailers.set(key, mailer);
  }
  return mailer;
}
