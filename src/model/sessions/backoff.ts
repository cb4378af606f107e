import type { LoginConfig } from '../config/tenantConfig.js'
import type { SignInFailure } from '../../db/queries/signInFailures.js'

/**
 * Seconds until the next sign-in attempt for an email is allowed, 0 when it is allowed now.
 * After n failures within the attempt window the wait is baseBackoff * 2^(n-1), at most
 * maxBackoff, counted from the last failure (BEHAVIOUR.md: 1 s doubling to 60 s in 5 min).
 */
export function secondsUntilNextAttempt(failure: SignInFailure | null, now: Date, login: LoginConfig): number {
  if (!failure) return 0
  // Clamped at 0: a failure stamped by a node whose clock runs ahead must not stretch the wait.
  const sinceLast = Math.max(0, (now.getTime() - failure.lastFailedAt.getTime()) / 1000)
  if (sinceLast >= login.attemptWindow) return 0
  const wait = Math.min(login.baseBackoff * 2 ** Math.min(failure.failures - 1, 30), login.maxBackoff)
  return Math.max(0, Math.ceil(wait - sinceLast))
}
