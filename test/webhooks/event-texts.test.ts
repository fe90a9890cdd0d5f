import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchText, eventTexts } from '../../src/modules/events/outbox.ts';

/** The worker cuts a batch's stored text into events without parsing it (src/modules/events/outbox.ts). */
describe('event batch text', () => {
  const payloads = fc.array(fc.jsonValue({ noUnicodeString: false }), { minLength: 1, maxLength: 20 });

  it('is one JSON array that cuts back into each event exactly as serialized', () => {
    fc.assert(
      fc.property(payloads, (values) => {
        const texts = values.map((v) => JSON.stringify(v));
        const stored = batchText(texts);
        expect(JSON.parse(stored)).toEqual(JSON.parse(JSON.stringify(values)));
        expect(eventTexts(stored, values.length)).toEqual(texts);
      }),
    );
  });

  it('reads batches stored as a plain array (before the separator) by parsing them', () => {
    fc.assert(
      fc.property(payloads, (values) => {
        expect(eventTexts(JSON.stringify(values), values.length)).toEqual(values.map((v) => JSON.stringify(v)));
      }),
    );
  });

  it('keeps newlines and separators inside strings escaped', () => {
    const values = [{ note: 'a,\nb' }, 'x,\n', ['\n']];
    expect(eventTexts(batchText(values.map((v) => JSON.stringify(v))), 3)).toEqual(values.map((v) => JSON.stringify(v)));
  });
});
