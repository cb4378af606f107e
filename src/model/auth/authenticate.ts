import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { hashToken, sameHash } from '../tokens.js'
import { disableIdleSession, selectApiKeyForAuth, touchApiKey, type ApiKeyForAuth, type ApiKeyType } from '../../db/queries/apiKeys.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { announceKeyChanged } from './announce.js'
import type { CacheEntry } from './tokenCache.js'
import { effectiveClient, type ClientInfo, type RequestOrigin } from '../clientInfo.js'

/** Who is calling: the identity behind the bearer token of a request. */
export interface Principal {
  apiKeyId: string
  apiKeyType: ApiKeyType
  /** When the key was made: for a session, when its person signed in. */
  apiKeyCreatedAt: Date
  identityId: string
  personId: string | null
  /** Global roles, with `person` added for identities that have a person (as Contember does). */
  roles: string[]
  identityDescription: string | null
  /** The key is believed about its client (X-Contember-Client-IP and -User-Agent). */
  trustForwardedClientInfo: boolean
}

/** The caller of one request: who (the key's principal) and from where (sessions and the auth log record it). */
export interface Caller extends Principal {
  client: ClientInfo
}

export type AuthFailureCode = 'MISSING' | 'MALFORMED' | 'INVALID' | 'DISABLED' | 'EXPIRED'

// The messages of the reference, so clients that show them read the same. A disabled or an
// expired key is told when (as the reference does; the answer needs the key's token).
export const authFailureMessages: Record<'MISSING' | 'MALFORMED' | 'INVALID', string> = {
  MISSING: 'Authentication required',
  MALFORMED: 'Authorization failure: invalid Authorization header format',
  INVALID: 'Authorization failure: API key was not found',
}
const disabledMessage = (at: Date) => `Authorization failure: API key was disabled at ${at.toISOString()}`
const expiredMessage = (at: Date) => `Authorization failure: API key expired at ${at.toISOString()}`

/** A session its auth policy's idle timeout ended (the reason class stays DISABLED). */
const IDLE_MESSAGE = 'Authorization failure: API key was idle for longer than its idle timeout'

/** Last use (and session expiry) is written at most once per this interval per key. */
export const TOUCH_INTERVAL_MS = 60_000

const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i

export function parseAuthorization(header: string | undefined): Result<string, 'MISSING' | 'MALFORMED'> {
  if (header === undefined || header.trim() === '') return fail('MISSING', authFailureMessages.MISSING)
  const match = bearer.exec(header)
  if (!match) return fail('MALFORMED', authFailureMessages.MALFORMED)
  return ok(match[1]!)
}

/**
 * The caller behind an Authorization header. Answered at once (not as a promise) when the
 * per-node cache knows the key and nothing needs writing, which is nearly every request:
 * callers that can use an immediate answer skip a turn of the event loop; `await` takes both.
 */
export function authenticate(deps: Deps, header: string | undefined, origin: RequestOrigin | null = null): Verdict<Principal> | Promise<Verdict<Principal>> {
  const token = parseAuthorization(header)
  if (!token.ok) return token
  const verified = verifyTokenHash(deps, hashToken(token.value), origin)
  return verified instanceof Promise ? verified.then(principalVerdict) : principalVerdict(verified)
}

type Verdict<T> = Result<T, AuthFailureCode>

// Shared by every request of the key while it is cached, so frozen: no request can change it for the next.
const principalVerdict = (verified: Verdict<CacheEntry>): Verdict<Principal> =>
  verified.ok ? ok(verified.value.principal ??= freezePrincipal(principalOf(verified.value.key))) : verified

const freezePrincipal = (principal: Principal): Principal => Object.freeze({ ...principal, roles: Object.freeze([...principal.roles]) as string[] })

/**
 * The hot path, shared by every /tenant request and by /introspect: the key behind a token
 * hash, checked for disabling and expiry. Repeated calls are answered from the per-node cache,
 * at once; only a key that looks expired there is read again (another node may have prolonged
 * it). Use is recorded (with where from, when `origin` is known), and a session prolonged, at
 * most once a minute per key.
 */
export function verifyTokenHash(deps: Deps, tokenHash: string, origin: RequestOrigin | null = null): Verdict<CacheEntry> | Promise<Verdict<CacheEntry>> {
  const now = deps.clock.now()
  const entry = deps.tokens.get(tokenHash, now.getTime())
  if (entry && !isExpired(entry.key, now) && !touchDue(entry.key, now)) return ok(entry)
  return verifyAndTouch(deps, tokenHash, now, entry, origin)
}

async function verifyAndTouch(deps: Deps, tokenHash: string, now: Date, cached: CacheEntry | undefined, origin: RequestOrigin | null): Promise<Verdict<CacheEntry>> {
  let entry = cached
  // This node's idea of the last use may be old (another node may have recorded a later one):
  // a session that looks idle is read again before it is ended.
  if (entry && isIdle(entry.key, now)) entry = undefined
  if (!entry || isExpired(entry.key, now)) {
    // Only working keys are cached: an unknown, a disabled and an expired token each cost the
    // same single look-up, so timing does not tell them apart.
    deps.tokens.dropToken(tokenHash)
    const key = await selectApiKeyForAuth(deps.db, tokenHash)
    // The index found the row by hash; the constant-time comparison keeps that the only way in
    // even if a collation or index quirk ever matched a near value.
    if (!key || !sameHash(key.tokenHash, tokenHash)) return fail('INVALID', authFailureMessages.INVALID)
    const disabledAt = key.disabledAt ?? key.personDisabledAt
    if (disabledAt !== null) return fail('DISABLED', disabledMessage(disabledAt))
    if (isExpired(key, now)) return fail('EXPIRED', expiredMessage(key.expiresAt!))
    if (isIdle(key, now) && await endIdleSession(deps, tokenHash, key, now, origin)) return fail('DISABLED', IDLE_MESSAGE)
    entry = deps.tokens.set(tokenHash, key, now.getTime())
  }
  const { key } = entry
  if (touchDue(key, now)) {
    const client = origin && effectiveClient(origin, key.trustForwardedClientInfo)
    await touchApiKey(deps.db, key.id, now, new Date(now.getTime() - TOUCH_INTERVAL_MS), client)
    key.lastUsedAt = now
    if (key.expirationMinutes !== null) {
      const prolonged = now.getTime() + key.expirationMinutes * 60_000
      key.expiresAt = new Date(key.maxExpiresAt === null ? prolonged : Math.min(prolonged, key.maxExpiresAt.getTime()))
    }
  }
  return ok(entry)
}

/**
 * Last use is recorded at most once a minute (TOUCH_INTERVAL_MS), so a session counts as idle
 * only a minute after its idle timeout: never early.
 */
const isIdle = (key: ApiKeyForAuth, now: Date) =>
  key.idleTimeout !== null && now.getTime() - (key.lastUsedAt ?? key.createdAt).getTime() > key.idleTimeout * 1000 + TOUCH_INTERVAL_MS

/** Ends a session its idle timeout ran out on (once, on whichever node sees it first), for every node. */
async function endIdleSession(deps: Deps, tokenHash: string, key: ApiKeyForAuth, now: Date, origin: RequestOrigin | null): Promise<boolean> {
  const idleSince = new Date(now.getTime() - key.idleTimeout! * 1000 - TOUCH_INTERVAL_MS)
  return deps.db.transaction(async (tx) => {
    if (!await disableIdleSession(tx, key.id, idleSince, now)) return false
    await announceKeyChanged(deps, tx, tokenHash)
    const caller = { ...principalOf(key), client: origin ? effectiveClient(origin, key.trustForwardedClientInfo) : { ip: null, userAgent: null } }
    await recordAuthEvent(deps, tx, caller, {
      type: 'session_expired_idle', success: false, personId: key.personId, metadata: { sessionId: key.id },
      eventData: { lastUsedAt: (key.lastUsedAt ?? key.createdAt).toISOString(), idleTimeout: key.idleTimeout },
    })
    return true
  })
}

const touchDue = (key: ApiKeyForAuth, now: Date) => key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS

const isExpired = (key: ApiKeyForAuth, now: Date) => key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()

export function principalOf(key: ApiKeyForAuth): Principal {
  return {
    apiKeyId: key.id,
    apiKeyType: key.type,
    apiKeyCreatedAt: key.createdAt,
    identityId: key.identityId,
    personId: key.personId,
    roles: key.personId !== null && !key.roles.includes('person') ? [...key.roles, 'person'] : key.roles,
    identityDescription: key.identityDescription,
    trustForwardedClientInfo: key.trustForwardedClientInfo,
  }
}
