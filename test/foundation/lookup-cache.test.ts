import { describe, expect, it } from 'vitest';
import { LookupCache } from '../../src/modules/lookup-cache.ts';

describe('LookupCache', () => {
  function setup(maxEntries = 10) {
    let now = 0;
    const loads: string[] = [];
    const cache = new LookupCache<string>(1000, maxEntries, () => now);
    // `null`: the lookup finds nothing.
    const get = (key: string, value: string | null = `v:${key}`) =>
      cache.get(key, async () => {
        loads.push(key);
        return value ?? undefined;
      });
    return { cache, get, loads, advance: (ms: number) => (now += ms) };
  }

  it('serves a value for its time to live, then loads it again', async () => {
    const { get, loads, advance } = setup();
    expect(await get('a')).toBe('v:a');
    advance(999);
    expect(await get('a', 'changed')).toBe('v:a');
    advance(1);
    expect(await get('a', 'changed')).toBe('changed');
    expect(loads).toEqual(['a', 'a']);
  });

  it('does not keep failed lookups, and forgets a key on demand', async () => {
    const { cache, get, loads } = setup();
    expect(await get('gone', null)).toBeUndefined();
    expect(await get('gone')).toBe('v:gone');
    cache.forget('gone');
    expect(await get('gone', 'new')).toBe('new');
    expect(loads).toEqual(['gone', 'gone', 'gone']);
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const { get, loads } = setup(2);
    await get('a');
    await get('b');
    await get('c');
    loads.length = 0;
    await get('b');
    await get('c');
    await get('a');
    expect(loads).toEqual(['a']);
  });
});
