import { quantileSorted, mean } from 'simple-statistics';
import type { Quantiles } from '../result/run-result.ts';

/**
 * Summarizes latency samples (cycles) into the Quantiles record of a RunResult:
 * count, mean, p50, p90, p99 (simple-statistics `quantileSorted`: linear interpolation between order statistics) and max.
 * No samples → every figure 0 and count 0.
 * @example quantilesOf([1, 2, 3, 4]) → { count: 4, mean: 2.5, p50: 2.5, p90: 3.7, p99: 3.97, max: 4 }
 */
export function quantilesOf(samples: readonly number[]): Quantiles {
  if (samples.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    mean: mean(sorted),
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[sorted.length - 1] as number,
  };
}
