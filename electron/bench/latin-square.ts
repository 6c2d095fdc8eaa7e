/**
 * Williams' balanced Latin square: n orders of 0..n-1 (2n when n is odd) in which every variant
 * takes every position, and follows every other variant, equally often.
 */
export function balancedOrders(n: number): number[][] {
  const first: number[] = [];
  for (let i = 0, low = 0, high = n - 1; i < n; i++) first.push(i % 2 === 0 ? low++ : high--);
  const rows = Array.from({ length: n }, (_, shift) => first.map((v) => (v + shift) % n));
  return n % 2 === 0 ? rows : [...rows, ...rows.map((row) => [...row].reverse())];
}
