/**
 * A compact log-linear latency histogram in microseconds, HDR style: values below
 * 128 are exact, above that each power of two is split into 64 buckets, so any
 * recorded value is reported within 1/64 (1.6%) of its true size. Buckets are a
 * plain array so that histograms from several load processes merge by addition
 * and cross `process.send` as JSON.
 */
const SUB_BUCKETS = 64;
const EXACT_BELOW = 2 * SUB_BUCKETS;
/** Covers up to 2^31 µs (about 35 minutes). */
const BUCKET_COUNT = (31 - 6) * SUB_BUCKETS + EXACT_BELOW;

export class Histogram {
  readonly counts: Float64Array;
  total = 0;
  max = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Float64Array(BUCKET_COUNT);
    if (counts) this.add(counts);
  }

  record(micros: number): void {
    const value = micros < 0 ? 0 : Math.min(Math.floor(micros), 0x7fffffff);
    const index = bucketOf(value);
    this.counts[index] = this.counts[index]! + 1;
    this.total++;
    if (value > this.max) this.max = value;
  }

  /** Adds another histogram's bucket counts (as sent by `toJSON`). */
  add(counts: ArrayLike<number>, max = 0): void {
    for (let index = 0; index < counts.length; index++) {
      const count = counts[index] ?? 0;
      this.counts[index] = this.counts[index]! + count;
      this.total += count;
    }
    if (max > this.max) this.max = max;
  }

  /** The value (µs) at or below which `percent` of the recorded values lie. */
  percentile(percent: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((percent / 100) * this.total));
    let seen = 0;
    for (let index = 0; index < BUCKET_COUNT; index++) {
      seen += this.counts[index]!;
      if (seen >= rank) return Math.min(upperBoundOf(index), this.max);
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.max = 0;
  }

  toJSON(): { counts: number[]; max: number } {
    return { counts: Array.from(this.counts), max: this.max };
  }
}

function bucketOf(value: number): number {
  if (value < EXACT_BELOW) return value;
  const exponent = 31 - Math.clz32(value);
  const shift = exponent - 6;
  return shift * SUB_BUCKETS + (value >>> shift);
}

function upperBoundOf(index: number): number {
  if (index < EXACT_BELOW) return index;
  const shift = Math.floor(index / SUB_BUCKETS) - 1;
  const mantissa = index - shift * SUB_BUCKETS;
  return ((mantissa + 1) << shift) - 1;
}
