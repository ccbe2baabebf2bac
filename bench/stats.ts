/** Small statistics helpers for the benchmark report. */

/** The median of `xs` (NaN when empty). Does not modify `xs`. */
export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** The `p`-th percentile (nearest rank, 0 < p <= 100) of `xs`; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1]!;
}
