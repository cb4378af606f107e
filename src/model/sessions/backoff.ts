import type { Deps } from '../deps.js'
import { loadTenantConfig, type LoginConfig } from '../config/tenantConfig.js'
import { fail, ok, type Result } from '../result.js'
import { pruneSignInFailures, releaseSignInAttempt, reserveSignInAttempt, selectSignInFailure, type SignInFailure } from '../../db/queries/signInFailures.js'

/**
 * Seconds until the next sign-in attempt for an email is allowed, 0 when it is allowed now.
 * After n failures within the attempt window the wait is baseBackoff * 2^(n-1), at most
 * maxBackoff, counted from the last failure (the reference's defaults: 1 s doubling to 60 s in 5 min).
 */
export function secondsUntilNextAttempt(failure: SignInFailure | null, now: Date, login: LoginConfig): number {
  if (!failure) return 0
  // Clamped at 0: a failure stamped by a node whose clock runs ahead must not stretch the wait.
  const sinceLast = Math.max(0, (now.getTime() - failure.lastFailedAt.getTime()) / 1000)
  if (sinceLast >= login.attemptWindow) return 0
  const wait = Math.min(login.baseBackoff * 2 ** Math.min(failure.failures - 1, 30), login.maxBackoff)
  return Math.max(0, Math.ceil(wait - sinceLast))
}

/** One attempt taken from an email's back-off. */
export interface Reservation {
  email: string
  /** The failure before this one (releaseAttempt restores it). */
  previous: Date | null
}

/**
 * Takes one attempt at a password (or code) of `email` before it is checked, so a burst of
 * concurrent guesses cannot all slip through between a read and a write: the reservation counts
 * as a failure until a success clears it (deleteSignInFailures in the success's transaction).
 * Written in its own statement, outside any transaction, so a refused attempt stays counted.
 */
export async function reserveAttempt(deps: Deps, email: string, login: LoginConfig): Promise<Result<Reservation, 'RATE_LIMIT_EXCEEDED'>> {
  const now = deps.clock.now()
  const reserved = await reserveSignInAttempt(deps.db, email, now, login)
  if (reserved) return ok({ email, previous: reserved.previous })
  // At least 1 s: the row may have changed between the two statements.
  const wait = Math.max(1, secondsUntilNextAttempt(await selectSignInFailure(deps.db, email), now, login))
  return fail('RATE_LIMIT_EXCEEDED', `Too many failed attempts, try again in ${wait} s`, { retryAfter: wait })
}

/**
 * Gives a reserved attempt back: what it found out was no guess (the password was right and the
 * next step of a sign-in is asked for), so it must not slow the person down.
 */
export async function releaseAttempt(deps: Deps, reservation: Reservation): Promise<void> {
  await releaseSignInAttempt(deps.db, reservation.email, reservation.previous)
}

/**
 * Deletes counters whose last failure is older than the attempt window: they no longer delay
 * anybody (the next failure would start the count again), so the table holds only live ones.
 */
export async function forgetQuietFailures(deps: Deps): Promise<number> {
  const { login } = await loadTenantConfig(deps.db)
  return pruneSignInFailures(deps.db, new Date(deps.clock.now().getTime() - login.attemptWindow * 1000))
}
