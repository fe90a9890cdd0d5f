/**
 * A short-lived, bounded, in-process memo of rows every request reads (the token's grant, the
 * business): under load it turns two round trips per request into about one per second.
 * Values are kept `ttlMs` at most; a write in this process forgets its key at once, other
 * processes see it when their copy expires (docs/decisions.md). Failed lookups are not kept.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    const value = await load();
    if (value === undefined) this.entries.delete(key);
    else this.remember(key, value);
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  private remember(key: string, value: V): void {
    this.entries.delete(key);
    // Map keeps insertion order: the first key is the oldest one.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
  }
}

/** How long a cached grant or business may be used: about a second of staleness across processes. */
export const LOOKUP_TTL_MS = 1000;
