import { describe, expect, test } from 'vitest';
import { createTask, gather, simulate } from '../../../src/index.js';
import * as race from '../../../examples/races/cache-stampede.js';
import { ProfileOrigin, SingleFlightCache } from '../../../examples/races/cache-stampede.js';
import { raceSpecs } from './support.js';

describe('examples/races/cache-stampede: check-then-act on a cache', () => {
  raceSpecs(race, { cause: [Error, 'cache stampede: the origin was asked 2 times for one profile, expected 1'] });

  test('the single-flight cache asks the origin once for a hundred requests at the same instant', async () => {
    const origin = new ProfileOrigin();
    const pages = await simulate(async () => {
      const cache = new SingleFlightCache(origin);
      return gather(Array.from({ length: 100 }, () => createTask(() => cache.get('ada'))));
    }, { strategy: 'random', seed: 3 });
    expect(new Set(pages)).toEqual(new Set(['profile of ada']));
    expect(origin.fetches).toBe(1);
  });

  test('the single-flight cache forgets a failed fetch, so the next request asks again', async () => {
    let calls = 0;
    const origin = new ProfileOrigin();
    origin.fetch = async (user) => {
      calls++;
      if (calls === 1) throw new Error('origin down');
      return `profile of ${user}`;
    };
    const second = await simulate(async () => {
      const cache = new SingleFlightCache(origin);
      await expect(cache.get('ada')).rejects.toThrow('origin down');
      return cache.get('ada');
    });
    expect(second).toBe('profile of ada');
    expect(calls).toBe(2);
  });
});
