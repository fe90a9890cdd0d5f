import { mulDivHalfUp } from './money.ts';

/** intra: CGST + SGST; inter: IGST; simple: one `tax` component (non-GST business). */
export type TaxRegime = 'intra' | 'inter' | 'simple';

export interface TaxBusiness {
  country: string;
  state: string | null;
}

export interface TaxComponents {
  cgst: bigint;
  sgst: bigint;
  igst: bigint;
  tax: bigint;
}

/** Rates are percent scaled by 10^4: 18% → 180_000n. */
export const RATE_SCALE = 10_000n;
export const MAX_TAX_RATE_E4 = 1_000_000n;

// Percent (×100) and the rate scale together: taxable × rateE4 / 1_000_000.
const FULL_RATE_DIVISOR = 100n * RATE_SCALE;

/** ISO 3166-2:IN code → name, for the 28 states and 8 union territories. */
export const INDIAN_STATE_NAMES: Readonly<Record<string, string>> = {
  'IN-AP': 'Andhra Pradesh',
  'IN-AR': 'Arunachal Pradesh',
  'IN-AS': 'Assam',
  'IN-BR': 'Bihar',
  'IN-CT': 'Chhattisgarh',
  'IN-GA': 'Goa',
  'IN-GJ': 'Gujarat',
  'IN-HR': 'Haryana',
  'IN-HP': 'Himachal Pradesh',
  'IN-JH': 'Jharkhand',
  'IN-KA': 'Karnataka',
  'IN-KL': 'Kerala',
  'IN-MP': 'Madhya Pradesh',
  'IN-MH': 'Maharashtra',
  'IN-MN': 'Manipur',
  'IN-ML': 'Meghalaya',
  'IN-MZ': 'Mizoram',
  'IN-NL': 'Nagaland',
  'IN-OR': 'Odisha',
  'IN-PB': 'Punjab',
  'IN-RJ': 'Rajasthan',
  'IN-SK': 'Sikkim',
  'IN-TN': 'Tamil Nadu',
  'IN-TG': 'Telangana',
  'IN-TR': 'Tripura',
  'IN-UP': 'Uttar Pradesh',
  'IN-UT': 'Uttarakhand',
  'IN-WB': 'West Bengal',
  'IN-AN': 'Andaman and Nicobar Islands',
  'IN-CH': 'Chandigarh',
  'IN-DH': 'Dadra and Nagar Haveli and Daman and Diu',
  'IN-DL': 'Delhi',
  'IN-JK': 'Jammu and Kashmir',
  'IN-LA': 'Ladakh',
  'IN-LD': 'Lakshadweep',
  'IN-PY': 'Puducherry',
};

/** GST state codes: the two digits a GSTIN starts with and invoices print beside the state. */
const GST_STATE_CODES: Readonly<Record<string, string>> = {
  'IN-JK': '01', 'IN-HP': '02', 'IN-PB': '03', 'IN-CH': '04', 'IN-UT': '05', 'IN-HR': '06', 'IN-DL': '07',
  'IN-RJ': '08', 'IN-UP': '09', 'IN-BR': '10', 'IN-SK': '11', 'IN-AR': '12', 'IN-NL': '13', 'IN-MN': '14',
  'IN-MZ': '15', 'IN-TR': '16', 'IN-ML': '17', 'IN-AS': '18', 'IN-WB': '19', 'IN-JH': '20', 'IN-OR': '21',
  'IN-CT': '22', 'IN-MP': '23', 'IN-GJ': '24', 'IN-DH': '26', 'IN-MH': '27', 'IN-KA': '29', 'IN-GA': '30',
  'IN-LD': '31', 'IN-KL': '32', 'IN-TN': '33', 'IN-PY': '34', 'IN-AN': '35', 'IN-TG': '36', 'IN-AP': '37',
  'IN-LA': '38',
};

/** ISO 3166-2:IN codes of every state and union territory. */
export const INDIAN_STATES: ReadonlySet<string> = new Set([
  ...Object.keys(INDIAN_STATE_NAMES),
  // Codes renamed by ISO in 2023 (CG, OD, TS, UK) and the two territories merged into
  // IN-DH in 2020 (DN, DD) still appear in data we receive; see STATE_ALIASES.
  'IN-CG',
  'IN-OD',
  'IN-TS',
  'IN-UK',
  'IN-DN',
  'IN-DD',
]);

const STATE_ALIASES: Readonly<Record<string, string>> = {
  'IN-CG': 'IN-CT',
  'IN-OD': 'IN-OR',
  'IN-TS': 'IN-TG',
  'IN-UK': 'IN-UT',
  'IN-DN': 'IN-DH',
  'IN-DD': 'IN-DH',
};

export function isPlaceOfSupply(code: string): boolean {
  return INDIAN_STATES.has(code);
}

/** One code per state, so that 'IN-TS' and 'IN-TG' (both Telangana) compare equal. */
export function canonicalState(code: string): string {
  return STATE_ALIASES[code] ?? code;
}

export function gstStateCode(code: string): string | undefined {
  return GST_STATE_CODES[canonicalState(code)];
}

/** "Karnataka (29)" for an Indian state code; other codes as given. */
export function stateLabel(code: string): string {
  const canonical = canonicalState(code);
  const name = INDIAN_STATE_NAMES[canonical];
  const gst = GST_STATE_CODES[canonical];
  return name && gst ? `${name} (${gst})` : code;
}

export function isGstBusiness(business: TaxBusiness): boolean {
  return business.country === 'IN';
}

export function taxRegime(business: TaxBusiness, placeOfSupply: string | null): TaxRegime {
  if (!isGstBusiness(business)) return 'simple';
  const sameState =
    placeOfSupply !== null &&
    business.state !== null &&
    canonicalState(placeOfSupply) === canonicalState(business.state);
  return sameState ? 'intra' : 'inter';
}

export const NO_TAX: Readonly<TaxComponents> = Object.freeze({
  cgst: 0n,
  sgst: 0n,
  igst: 0n,
  tax: 0n,
});

export function lineTax(taxable: bigint, rateE4: bigint, regime: TaxRegime): TaxComponents {
  switch (regime) {
    case 'intra': {
      // CGST and SGST are each half the rate and each rounded on its own, as the GST
      // invoice shows them; their sum may differ from the full-rate IGST by one unit.
      const half = mulDivHalfUp(taxable, rateE4, 2n * FULL_RATE_DIVISOR);
      return { ...NO_TAX, cgst: half, sgst: half };
    }
    case 'inter':
      return { ...NO_TAX, igst: mulDivHalfUp(taxable, rateE4, FULL_RATE_DIVISOR) };
    case 'simple':
      return { ...NO_TAX, tax: mulDivHalfUp(taxable, rateE4, FULL_RATE_DIVISOR) };
  }
}

export function sumTax(components: TaxComponents): bigint {
  return components.cgst + components.sgst + components.igst + components.tax;
}
