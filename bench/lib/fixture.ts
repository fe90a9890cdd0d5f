import type { HttpClient } from './http.ts';

/** What the bulk benchmark creates through the API before it measures anything. */
export interface Fixture {
  businessId: string;
  businessState: string;
  token: string;
  customers: { id: string; name: string; email: string; payment_terms_days: number }[];
  items: { id: string; name: string; description: string; unit_price: number; tax_rate: number; hsn_code: string }[];
}

const STATES = ['IN-MH', 'IN-KA', 'IN-TN', 'IN-GJ', 'IN-DL'];
const RATES = [5, 12, 18, 28];
const pad = (n: number) => String(n).padStart(2, '0');

/** A GST business in Maharashtra with `customers` customers and `items` items, all made over HTTP. */
export async function createFixture(client: HttpClient, adminToken: string, counts = { customers: 20, items: 20 }): Promise<Fixture> {
  const admin = { authorization: `Bearer ${adminToken}` };
  const created = await client.json(
    'POST',
    '/api/v1/businesses',
    { name: 'Bench Traders Pvt Ltd', country: 'IN', state: 'IN-MH', currency: 'INR', gstin: '27AAPFU0939F1ZV', invoice_prefix: 'BN-' },
    admin,
    201,
  );
  const token = created.token as string;
  const auth = { authorization: `Bearer ${token}` };
  const customers = await Promise.all(
    Array.from({ length: counts.customers }, (_, i) =>
      client.json(
        'POST',
        '/api/v1/customers',
        {
          id: `ct_${pad(i + 1)}`,
          name: `Customer ${pad(i + 1)} Enterprises`,
          email: `ap${i + 1}@customer${i + 1}.example`,
          state: STATES[i % STATES.length],
          payment_terms_days: [15, 30, 45][i % 3],
          billing_address: { line1: `${i + 1} Market Road`, city: 'Pune', postal_code: '411001', country: 'IN' },
        },
        auth,
        201,
      ),
    ),
  );
  const items = await Promise.all(
    Array.from({ length: counts.items }, (_, i) =>
      client.json(
        'POST',
        '/api/v1/items',
        {
          id: `it_${pad(i + 1)}`,
          name: `Item ${pad(i + 1)}`,
          description: `Catalogue item number ${i + 1}, standard pack`,
          unit_price: 1_000 + 2_500 * i,
          tax_rate: RATES[i % RATES.length],
          hsn_code: String(84710000 + i),
        },
        auth,
        201,
      ),
    ),
  );
  return { businessId: created.business.id, businessState: 'IN-MH', token, customers, items };
}

/**
 * `variants` distinct POST /bulk/invoices bodies of `invoices` invoices × `lines` lines:
 * item_id auto-fill (quantity only), GST place of supply alternating intra/inter-state.
 */
export function bulkBodies(fixture: Fixture, variants: number, invoices: number, lines: number, approve: boolean): string[] {
  const bodies: string[] = [];
  let k = 0;
  for (let v = 0; v < variants; v++) {
    const batch = Array.from({ length: invoices }, (_, i) => {
      k++;
      const customer = fixture.customers[k % fixture.customers.length] as Fixture['customers'][number];
      return {
        customer_id: customer.id,
        date: '2026-05-12',
        place_of_supply: i % 2 === 0 ? fixture.businessState : (STATES[1 + (k % (STATES.length - 1))] as string),
        reference: `PO-${v}-${i}`,
        line_items: Array.from({ length: lines }, (_, j) => ({
          item_id: (fixture.items[(k * 7 + j * 3) % fixture.items.length] as Fixture['items'][number]).id,
          quantity: 1 + ((k + j) % 5),
        })),
        ...(approve ? { auto_approve: true } : {}),
      };
    });
    bodies.push(JSON.stringify({ invoices: batch }));
  }
  return bodies;
}
