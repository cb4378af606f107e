import { setTimeout as sleep } from 'node:timers/promises'
import type { Deps } from '../deps.js'
import { pruneEmailRequests, pruneIpRequests, reserveEmailRequest } from '../../db/queries/rateLimits.js'
import { prunePersonTokens } from '../../db/queries/personTokens.js'
import { MAX_EMAIL_LENGTH } from '../persons/email.js'
import { loadTenantConfig } from '../config/tenantConfig.js'

// What the flows an anonymous caller can start by email share (password reset, passwordless
// sign-in, email verification): a limit per email, kept in the database, and an answer that
// takes as long whether or not anyone has the email.

/** Requests per email and flow within EMAIL_WINDOW_MS, whoever asks and however many nodes answer. */
export const EMAIL_REQUESTS_PER_WINDOW = 5
export const EMAIL_WINDOW_MS = 15 * 60_000

/** The least time such a flow takes to answer, so that its time does not tell whether the email exists. */
export const ANSWER_FLOOR_MS = 150

/**
 * Counts a request for `email` in `flow`; false when over the limit (RATE_LIMIT_EXCEEDED). An
 * address longer than any person can have is not counted (nobody has it, and it must not reach
 * the table's index): the flow answers it as an unknown email.
 */
export async function withinEmailLimit(deps: Deps, flow: string, email: string): Promise<boolean> {
  if (email.length > MAX_EMAIL_LENGTH) return true
  return reserveEmailRequest(deps.db, flow, email, deps.clock.now(), EMAIL_WINDOW_MS, EMAIL_REQUESTS_PER_WINDOW)
}

/** Runs `answer` and resolves no sooner than ANSWER_FLOOR_MS after the call (real time, not the injected clock). */
export async function withAnswerFloor<T>(answer: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await answer()
  const left = ANSWER_FLOOR_MS - (performance.now() - started)
  if (left > 0) await sleep(left)
  return result
}

/** Tokens kept this long after they expired (so a late click still hears TOKEN_EXPIRED, not TOKEN_NOT_FOUND). */
export const EXPIRED_TOKEN_KEEP_MS = 7 * 86_400_000

/** Deletes per-email and per-address windows that are over and tokens long expired (run with the other periodic pruning). */
export async function forgetOldMailRequests(deps: Deps): Promise<void> {
  const now = deps.clock.now().getTime()
  await pruneEmailRequests(deps.db, new Date(now - EMAIL_WINDOW_MS))
  // Per-address windows are kept as long as the longest configured window.
  const { rateLimits } = await loadTenantConfig(deps.db)
  const longest = Math.max(...Object.values(rateLimits).map((w) => w.window)) * 1000
  await pruneIpRequests(deps.db, new Date(now - longest))
  await prunePersonTokens(deps.db, new Date(now - EXPIRED_TOKEN_KEEP_MS))
}
