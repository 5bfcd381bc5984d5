import { describe, expect, test } from 'vitest';
import { InvalidStateError, simulate } from '../../../src/index.js';
import * as race from '../../../examples/races/double-close.js';
import { ConnectionPool } from '../../../examples/races/double-close.js';
import { raceSpecs } from './support.js';

describe('examples/races/double-close: two paths close one session after an await', () => {
  raceSpecs(race, { cause: [InvalidStateError, 'released twice: a double free'] });

  test('the pool refuses a connection that is already idle', async () => {
    await simulate(async () => {
      const pool = new ConnectionPool(1);
      const conn = await pool.acquire();
      pool.release(conn);
      expect(() => pool.release(conn)).toThrow(InvalidStateError);
      expect(pool.idleCount()).toBe(1);
    });
  });
});
