/** Median and p99 of a sample, in the unit it was measured in, rounded for reading. */
export interface Distribution {
  median: number;
  p99: number;
  samples: number;
}

export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { median: round(at(0.5)), p99: round(at(0.99)), samples: sorted.length };
}

export function round(value: number, digits = 4): number {
  return Number(value.toPrecision(digits));
}

export function ratio(a: number, b: number): number {
  return round(a / b, 3);
}
