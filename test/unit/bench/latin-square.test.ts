import { describe, expect, it } from 'vitest';
import { balancedOrders } from '../../../electron/bench/latin-square';

describe('balancedOrders (the decode bench runs its variants in these orders)', () => {
  for (const n of [2, 3, 4, 5]) {
    it(`gives every variant every position and every predecessor equally often (n = ${n})`, () => {
      const orders = balancedOrders(n);
      expect(orders).toHaveLength(n % 2 === 0 ? n : 2 * n);
      const positions = new Map<string, number>();
      const follows = new Map<string, number>();
      for (const order of orders) {
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        order.forEach((v, position) => positions.set(`${v}@${position}`, (positions.get(`${v}@${position}`) ?? 0) + 1));
        for (let i = 1; i < order.length; i++) follows.set(`${order[i - 1]}>${order[i]}`, (follows.get(`${order[i - 1]}>${order[i]}`) ?? 0) + 1);
      }
      expect(new Set(positions.values()).size).toBe(1);
      expect(positions.size).toBe(n * n);
      expect(new Set(follows.values()).size).toBe(1);
      expect(follows.size).toBe(n * (n - 1));
    });
  }
});
