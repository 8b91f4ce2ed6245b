// What every network step takes, and the OONI-style clock (seconds since the measurement started).
import { performance } from 'node:perf_hooks';
import type { StepTag } from '../observations.js';
import type { Guard } from './guard.js';

export interface StepOptions {
  /** Asked before any packet; a refusal throws GuardError (a misconfiguration, not a measurement). */
  guard: Guard;
  /** Bound on the whole step, from its start to its observation. */
  timeoutMs: number;
  /** A performance.now() value: t0/t are seconds since then. */
  startedAt: number;
  tags: StepTag[];
}

/** Seconds since `startedAt`, rounded to microseconds like OONI's float seconds. */
export function secondsSince(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1e6;
}
