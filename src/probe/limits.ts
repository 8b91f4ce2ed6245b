import pLimit, { type LimitFunction } from 'p-limit';

/** Runs `fn` under a per-destination-IP concurrency limit. */
export type Limiter = <T>(ip: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Thousands of listed names resolve to one blockpage IP or one CDN: a limit per destination keeps
 * the probe from hammering it (and from looking like an attack). Idle limiters are dropped.
 */
export function perIpLimiter(perIp: number): Limiter {
  const limits = new Map<string, LimitFunction>();
  return async (ip, fn) => {
    let limit = limits.get(ip);
    if (!limit) {
      limit = pLimit(perIp);
      limits.set(ip, limit);
    }
    try {
      return await limit(fn);
    } finally {
      if (limit.activeCount === 0 && limit.pendingCount === 0) limits.delete(ip);
    }
  };
}
