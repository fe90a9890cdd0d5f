/** Scopes are `<resource>.<ACTION>`; a token may hold `<resource>.*` or `*`. */
export const RESOURCES = [
  'invoices',
  'bills',
  'customers',
  'vendors',
  'items',
  'orders',
  'charges',
  'files',
  'webhooks',
  'imports',
  'reports',
  'integrations',
  'banking',
  'businesses',
] as const;
export const ACTIONS = ['CREATE', 'READ', 'UPDATE', 'DELETE'] as const;
export type Scope = `${(typeof RESOURCES)[number]}.${(typeof ACTIONS)[number]}`;

const SCOPE_PATTERN = new RegExp(`^(\\*|(${RESOURCES.join('|')})\\.(\\*|${ACTIONS.join('|')}))$`);

export const isValidScope = (scope: string) => SCOPE_PATTERN.test(scope);

export function hasScope(granted: readonly string[], required: Scope): boolean {
  const resource = required.slice(0, required.indexOf('.'));
  return granted.some((scope) => scope === '*' || scope === required || scope === `${resource}.*`);
}
