// Per-client token buckets: the helper is reachable by anyone, so one client must not be able to
// turn it into a scanner or a flood source.
export interface RateOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the burst allowed after a quiet spell. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  constructor(
    readonly options: RateOptions,
    now: () => number = () => performance.now(),
  ) {
    this.now = now;
  }

  /** Takes `cost` tokens from `key`'s bucket; false (and nothing taken) when there are too few. */
  take(key: string, cost = 1): boolean {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.options.burst, at: now };
    b.tokens = Math.min(this.options.burst, b.tokens + ((now - b.at) / 1000) * this.options.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(now);
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  /** Whether `key`'s bucket holds `cost` tokens now (nothing taken). */
  has(key: string, cost = 1): boolean {
    const b = this.buckets.get(key);
    if (!b) return this.options.burst >= cost;
    return Math.min(this.options.burst, b.tokens + ((this.now() - b.at) / 1000) * this.options.perSecond) >= cost;
  }

  /** Seconds until `cost` tokens are available for `key` (for Retry-After). */
  retryAfter(key: string, cost = 1): number {
    const b = this.buckets.get(key);
    if (!b || b.tokens >= cost) return 0;
    return Math.ceil((cost - b.tokens) / this.options.perSecond);
  }

  // Full buckets carry no state worth keeping; dropping them bounds memory under many clients.
  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.options.perSecond >= this.options.burst) this.buckets.delete(key);
    }
  }
}
