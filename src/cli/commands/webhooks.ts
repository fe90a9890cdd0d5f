import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../config.ts';
import { invalid } from '../../domain/errors.ts';

interface ListenOptions {
  port: string;
  events: string;
  api?: string;
  token?: string;
  business?: string;
}

interface Api {
  base: string;
  headers: Record<string, string>;
}

/** The API to register with: flags, then BILLOW_URL / BILLOW_TOKEN, then the demo credentials of the data dir. */
function apiOf(options: ListenOptions): Api {
  const config = loadConfig();
  let token = options.token ?? process.env.BILLOW_TOKEN;
  let business = options.business;
  const file = path.join(config.dataDir, 'credentials.json');
  if (!token && fs.existsSync(file)) {
    const credentials = JSON.parse(fs.readFileSync(file, 'utf8')) as { token: string; business_id: string };
    token = credentials.token;
    business ??= credentials.business_id;
  }
  if (!token) throw invalid('No token: pass --token, set BILLOW_TOKEN, or run where data/credentials.json exists.', 'token');
  const base = (options.api ?? process.env.BILLOW_URL ?? config.publicUrl).replace(/\/+$/, '');
  return { base, headers: { authorization: `Bearer ${token}`, ...(business ? { 'x-business-id': business } : {}) } };
}

async function call(api: Api, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const init = body === undefined ? { method, headers: api.headers } : { method, headers: { ...api.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(`${api.base}${url}`, init);
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** One line per event: time, type, event id, and what the event is about. */
function eventLine(event: { id: string; type: string; created_at: string; data: Record<string, unknown> | null }): string {
  const data = event.data ?? {};
  const about = typeof data.id === 'string' ? [data.id, data.number ?? data.status, data.total === undefined ? '' : `${data.total} ${data.currency ?? ''}`] : [JSON.stringify(data)];
  return [event.created_at, event.type.padEnd(24), event.id, ...about.filter((part) => part !== '' && part !== undefined && part !== null)].join('  ').trim();
}

function receive(secret: () => string) {
  return (request: http.IncomingMessage, response: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const event = new Webhook(secret()).verify(body, request.headers as Record<string, string>) as Parameters<typeof eventLine>[0];
        process.stdout.write(`${eventLine(event)}\n`);
        response.writeHead(204).end();
      } catch (error) {
        process.stderr.write(`Refused a request with an invalid signature: ${error instanceof Error ? error.message : String(error)}\n`);
        response.writeHead(400).end();
      }
    });
  };
}

async function listen(options: ListenOptions): Promise<void> {
  if (!/^\d+$/.test(options.port) || Number(options.port) > 65535) throw invalid(`--port must be 0–65535, got '${options.port}'.`, 'port');
  const events = options.events.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const api = apiOf(options);
  let secret = '';
  const server = http.createServer(receive(() => secret));
  await new Promise<void>((resolve) => server.listen(Number(options.port), '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const created = await call(api, 'POST', '/api/v1/webhook-endpoints', { url, events, description: 'billow webhooks listen' }).catch((error: unknown) => {
    server.close();
    throw error;
  });
  if (created.status !== 201) {
    server.close();
    const hint = JSON.stringify(created.json).includes('WEBHOOK_ALLOW_PRIVATE') ? ' Start the server with WEBHOOK_ALLOW_PRIVATE=true to deliver to this machine.' : '';
    throw new Error(`Registering the endpoint failed (${created.status}): ${JSON.stringify(created.json)}.${hint}`);
  }
  secret = String(created.json.secret);
  const id = String(created.json.id);
  process.stdout.write(`Listening on ${url} as endpoint ${id} for ${events.join(', ')}; each verified event prints one line. Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const removed = await call(api, 'DELETE', `/api/v1/webhook-endpoints/${id}`);
  server.closeAllConnections();
  server.close();
  process.stdout.write(removed.status === 204 ? `Removed endpoint ${id}.\n` : `Could not remove endpoint ${id} (${removed.status}).\n`);
}

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description('Work with webhooks.');
  webhooks
    .command('listen')
    .description('Start a local receiver, register it as a webhook endpoint of a running Billow, print each verified event on one line; Ctrl-C removes the endpoint.')
    .option('--port <port>', 'port to receive on (127.0.0.1); 0 picks a free one', '4242')
    .option('--events <list>', "comma-separated event types, or '*'", '*')
    .option('--api <url>', 'base URL of the Billow API (default: $BILLOW_URL, else PUBLIC_URL)')
    .option('--token <token>', 'API token with webhooks.* (default: $BILLOW_TOKEN, else data/credentials.json)')
    .option('--business <id>', 'business id (x-business-id), when the token reaches several')
    .addHelpText('after', '\nThe server must run with WEBHOOK_ALLOW_PRIVATE=true to deliver to 127.0.0.1.\n\nExample:\n  billow webhooks listen --events INVOICE_CREATED,INVOICE_BULK_CREATED\n')
    .action((options: ListenOptions) => listen(options));
}
