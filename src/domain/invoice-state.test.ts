import { describe, expect, it } from 'vitest';
import {
  applyPayment,
  assertCanFinalize,
  assertCanVoid,
  INVOICE_STATUSES,
  isInvoiceStatus,
} from './invoice-state.ts';
import type { InvoiceStatus } from './invoice-state.ts';

const stateInvalid = (message?: string) =>
  expect.objectContaining(
    message === undefined ? { code: 'state.invalid' } : { code: 'state.invalid', message },
  );

describe('finalize', () => {
  it('finalizes only drafts', () => {
    expect(() => assertCanFinalize('draft')).not.toThrow();
    for (const status of INVOICE_STATUSES.filter((s) => s !== 'draft')) {
      expect(() => assertCanFinalize(status)).toThrow(stateInvalid());
    }
    expect(() => assertCanFinalize('open')).toThrow(
      stateInvalid("Cannot finalize an invoice in status 'open'."),
    );
  });

  it('speaks of approving bills', () => {
    expect(() => assertCanFinalize('void', 'bill')).toThrow(
      stateInvalid("Cannot approve a bill in status 'void'."),
    );
  });
});

describe('void', () => {
  it('voids drafts and unpaid open invoices', () => {
    expect(() => assertCanVoid('draft', 0n)).not.toThrow();
    expect(() => assertCanVoid('open', 0n)).not.toThrow();
  });

  it('refuses once anything is paid or already void', () => {
    for (const status of ['partially_paid', 'manual_paid', 'stripe_paid', 'void'] as const) {
      expect(() => assertCanVoid(status, 0n)).toThrow(stateInvalid());
    }
    expect(() => assertCanVoid('open', 1n)).toThrow(
      stateInvalid('Cannot void an invoice that has payments.'),
    );
    expect(() => assertCanVoid('open', 1n, 'bill')).toThrow(
      stateInvalid('Cannot void a bill that has payments.'),
    );
  });
});

describe('applyPayment', () => {
  const open = { status: 'open' as InvoiceStatus, total: 10_000n, totalPaid: 0n, currency: 'USD' };

  it('records a partial payment', () => {
    expect(applyPayment({ ...open, amount: 4_000n, source: 'manual' })).toEqual({
      status: 'partially_paid',
      totalPaid: 4_000n,
      fullyPaid: false,
    });
  });

  it('is paid by the source of the payment that settles it', () => {
    const partial = {
      status: 'partially_paid' as InvoiceStatus,
      total: 10_000n,
      totalPaid: 4_000n,
      currency: 'USD',
    };
    expect(applyPayment({ ...partial, amount: 6_000n, source: 'stripe' })).toEqual({
      status: 'stripe_paid',
      totalPaid: 10_000n,
      fullyPaid: true,
    });
    expect(applyPayment({ ...open, amount: 10_000n, source: 'manual' }).status).toBe('manual_paid');
  });

  it('checks the amount against the balance', () => {
    const amountInvalid = expect.objectContaining({ code: 'validation.invalid', field: 'amount' });
    expect(() => applyPayment({ ...open, amount: 0n, source: 'manual' })).toThrow(amountInvalid);
    expect(() => applyPayment({ ...open, amount: -5n, source: 'manual' })).toThrow(amountInvalid);
    expect(() => applyPayment({ ...open, amount: 10_001n, source: 'manual' })).toThrow(
      amountInvalid,
    );
    expect(() =>
      applyPayment({
        status: 'partially_paid',
        total: 100n,
        totalPaid: 60n,
        amount: 41n,
        currency: 'USD',
        source: 'stripe',
      }),
    ).toThrow(amountInvalid);
  });

  it('accepts payments only on open or partially paid documents', () => {
    for (const status of ['draft', 'manual_paid', 'stripe_paid', 'void'] as const) {
      expect(() => applyPayment({ ...open, status, amount: 1n, source: 'manual' })).toThrow(
        stateInvalid(),
      );
    }
    expect(() =>
      applyPayment({ ...open, status: 'draft', amount: 1n, source: 'manual', kind: 'bill' }),
    ).toThrow(stateInvalid("Cannot record a payment on a bill in status 'draft'."));
  });
});

describe('statuses', () => {
  it('recognises every status and nothing else', () => {
    for (const status of INVOICE_STATUSES) expect(isInvoiceStatus(status)).toBe(true);
    expect(isInvoiceStatus('paid')).toBe(false);
  });
});
