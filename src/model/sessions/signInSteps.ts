import type { Deps } from '../deps.js'
import type { Queryable } from '../../db/db.js'
import { deleteSignInFailures } from '../../db/queries/signInFailures.js'
import { selectPersonCredentials, type PersonCredentials, type PersonRow } from '../../db/queries/persons.js'
import type { LoginConfig } from '../config/tenantConfig.js'
import type { Caller } from '../auth/authenticate.js'
import { recordAuthEvent, type AuthEvent } from '../authLog/recordAuthEvent.js'
import { withinIpLimit } from '../rateLimits.js'
import { MAX_EMAIL_LENGTH } from '../persons/email.js'
import { fail, ok, type Result } from '../result.js'
import { reserveAttempt, type Reservation } from './backoff.js'
import { createSession, type NewSession } from './createSession.js'
import type { SecondFactorPassed } from './factors/proof.js'

// The steps every way of signing in shares: find the person behind an email (with the back-off
// taken first), say no without telling more than the configuration allows, and issue the session.
// A method (password, passwordless, an identity provider, an admin's createSessionToken) is its
// own module that puts these together; a second factor is one module under factors/.

/** What a sign-in answers when it worked. */
export interface SignedIn {
  token: string
  person: PersonRow
  /** An enrolment an auth policy required was finished by this sign-in: the backup codes, shown once. */
  backupCodes?: string[] | null
}

/** A refusal of the first step; `raw` is the code before revealUserExists/revealLoginMethod hid it (the auth log keeps it). */
export interface Refusal<C extends string> { code: C; message: string; raw: C }

/**
 * revealUserExists off: nothing tells an unknown email from a wrong password. revealLoginMethod
 * off: nothing tells a wrong password from a person who signs in another way (no password).
 */
export function concealed<C extends string>(login: LoginConfig, code: C, message: string): Refusal<C | 'INVALID_CREDENTIALS'> {
  const hide = !login.revealUserExists || (!login.revealLoginMethod && (code === 'INVALID_PASSWORD' || code === 'NO_PASSWORD_SET'))
  return hide ? { code: 'INVALID_CREDENTIALS', message: 'Invalid email or password', raw: code } : { code, message, raw: code }
}

export interface OpenedAttempt {
  /** Null: nobody has the email (the attempt still counts, and still costs a password check). */
  person: PersonCredentials | null
  reservation: Reservation
}

/**
 * The first step of a sign-in by email: the address is bounded, the caller's address must be
 * within its limit, and one attempt of the email's back-off is taken (reserveAttempt) before any
 * costly check; then the person with the email, if any, is read. `email` is normalised already.
 */
export async function openAttempt(deps: Deps, caller: Caller, email: string, login: LoginConfig):
    Promise<Result<OpenedAttempt, 'RATE_LIMIT_EXCEEDED'> | Refusal<'UNKNOWN_EMAIL' | 'INVALID_CREDENTIALS'> & { ok: false }> {
  // No person can have a longer address, and it must not reach the back-off table's index.
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, ...concealed(login, 'UNKNOWN_EMAIL', 'Person with this email not found') }
  const fromIp = await withinIpLimit(deps, 'loginPerIp', caller.client.ip)
  if (fromIp) return fail('RATE_LIMIT_EXCEEDED', `Too many sign-in attempts from this address. Retry after ${fromIp.retryAfter}s.`, { retryAfter: fromIp.retryAfter })
  const reserved = await reserveAttempt(deps, email, login)
  if (!reserved.ok) return reserved
  return ok({ person: await selectPersonCredentials(deps.db, { email }), reservation: reserved.value })
}

/** What issueSession needs beyond the person: the session's length, limits and extras, and how to log it. */
export interface SessionIssue extends Omit<NewSession, 'identityId' | 'personId'> {
  person: PersonCredentials
  /** The attempt succeeded: the back-off of this email starts again. */
  clearFailuresOf?: string | null
  /** The second factor this sign-in proved, if any (a backup code used is logged). */
  factor?: SecondFactorPassed | null
  /** The auth log entry of the sign-in, naming its session. */
  event: (sessionId: string) => AuthEvent
}

/**
 * The last step, in the sign-in's transaction: a new session for the person (createSession),
 * the email's failures forgotten, and the sign-in written to the auth log.
 */
export async function issueSession(deps: Deps, tx: Queryable, caller: Caller, issue: SessionIssue): Promise<{ id: string; token: string }> {
  const { person, clearFailuresOf, factor, event, ...session } = issue
  if (clearFailuresOf) await deleteSignInFailures(tx, clearFailuresOf)
  const created = await createSession(deps, tx, caller, { ...session, identityId: person.identityId, personId: person.id })
  await recordAuthEvent(deps, tx, caller, event(created.id))
  if (factor?.backupCodeUsed) await recordAuthEvent(deps, tx, caller, { type: 'backup_code_used', success: true, personId: person.id })
  return created
}
