import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { eventId } from '../../src/modules/events/outbox.ts';
import type { Json, TestEnv } from './app.ts';

/** A FastAPI-style 422: `{"detail":[{loc,msg,type}]}` with one issue exactly at `loc`. */
export function expect422(response: LightMyRequestResponse, loc: (string | number)[], type?: string): void {
  expect(response.statusCode, response.body).toBe(422);
  const body = response.json() as { detail: { loc: unknown[]; msg: string; type: string }[] };
  expect(Array.isArray(body.detail), response.body).toBe(true);
  const issue = body.detail.find((d) => JSON.stringify(d.loc) === JSON.stringify(loc));
  expect(issue, `no issue at ${JSON.stringify(loc)} in ${response.body}`).toBeDefined();
  expect(typeof issue?.msg).toBe('string');
  expect(issue?.msg.length).toBeGreaterThan(0);
  if (type) expect(issue?.type).toBe(type);
}

/** A native error other than 422: exactly `{"detail":"message","request_id"}`; returns the message. */
export function expectDetail(response: LightMyRequestResponse, status: number): string {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as { detail: unknown; request_id: unknown };
  expect(Object.keys(body)).toEqual(['detail', 'request_id']);
  expect(body.request_id).toBe(response.headers['x-request-id']);
  expect(typeof body.detail).toBe('string');
  expect((body.detail as string).length).toBeGreaterThan(0);
  return body.detail as string;
}

export interface StoredEvent {
  id: string;
  type: string;
  payload: Json;
}

/**
 * The events of one business in creation order, as the events API and webhooks show them:
 * the outbox keeps one row per transaction (event_batches), expanded here event by event.
 */
export async function eventsOf(env: TestEnv, businessId: string): Promise<StoredEvent[]> {
  const batches = await env.database.db
    .selectFrom('event_batches')
    .select(['id', 'created_at', 'types', 'data'])
    .where('business_id', '=', businessId)
    .orderBy('id')
    .execute();
  return batches.flatMap((batch) => {
    const data = JSON.parse(batch.data) as Json[];
    return batch.types.map((type, seq) => {
      const id = eventId(batch.id, seq);
      return { id, type, payload: { id, type, created_at: batch.created_at, business_id: businessId, data: data[seq] } };
    });
  });
}
