import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { hashToken, sameHash } from '../tokens.js'
import { selectApiKeyForAuth, touchApiKey, type ApiKeyType } from '../../db/queries/apiKeys.js'

/** Who is calling: the identity behind the bearer token of a request. */
export interface Principal {
  apiKeyId: string
  apiKeyType: ApiKeyType
  identityId: string
  personId: string | null
  /** Global roles, with `person` added for identities that have a person (as Contember does). */
  roles: string[]
}

export type AuthFailureCode = 'MISSING' | 'MALFORMED' | 'INVALID' | 'DISABLED' | 'EXPIRED'

// The messages of the reference where it has one, so clients that show them read the same.
export const authFailureMessages: Record<AuthFailureCode, string> = {
  MISSING: 'Authentication required',
  MALFORMED: 'Authorization failure: invalid Authorization header format',
  INVALID: 'Authorization failure: API key was not found',
  DISABLED: 'Authorization failure: API key is disabled',
  EXPIRED: 'Authorization failure: API key has expired',
}

/** Last use (and session expiry) is written at most once per this interval per key. */
export const TOUCH_INTERVAL_MS = 60_000

const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i

export function parseAuthorization(header: string | undefined): Result<string, 'MISSING' | 'MALFORMED'> {
  if (header === undefined || header.trim() === '') return fail('MISSING', authFailureMessages.MISSING)
  const match = bearer.exec(header)
  if (!match) return fail('MALFORMED', authFailureMessages.MALFORMED)
  return ok(match[1]!)
}

export async function authenticate(deps: Deps, header: string | undefined): Promise<Result<Principal, AuthFailureCode>> {
  const token = parseAuthorization(header)
  if (!token.ok) return token
  const tokenHash = hashToken(token.value)
  const key = await selectApiKeyForAuth(deps.db, tokenHash)
  // The index found the row by hash; the constant-time comparison keeps that the only way in
  // even if a collation or index quirk ever matched a near value.
  if (!key || !sameHash(key.tokenHash, tokenHash)) return fail('INVALID', authFailureMessages.INVALID)
  const now = deps.clock.now()
  if (key.disabledAt !== null || key.personDisabledAt !== null) return fail('DISABLED', authFailureMessages.DISABLED)
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return fail('EXPIRED', authFailureMessages.EXPIRED)
  if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
    await touchApiKey(deps.db, key.id, now, new Date(now.getTime() - TOUCH_INTERVAL_MS))
  }
  return ok({
    apiKeyId: key.id,
    apiKeyType: key.type,
    identityId: key.identityId,
    personId: key.personId,
    roles: key.personId !== null && !key.roles.includes('person') ? [...key.roles, 'person'] : key.roles,
  })
}
