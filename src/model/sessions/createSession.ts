import type { Queryable } from '../../db/db.js'
import { insertApiKey } from '../../db/queries/apiKeys.js'
import type { LoginConfig } from '../config/tenantConfig.js'
import { generateToken, hashToken } from '../tokens.js'
import type { ClientInfo } from '../clientInfo.js'

/**
 * The length of a new session in minutes: what the caller asked for, else the configured
 * default, never more than the configured maximum and never less than a minute.
 */
export function sessionMinutes(requested: number | null | undefined, login: LoginConfig): number {
  // 0 means "the default", as in the reference; a negative length would make a dead session.
  const wanted = requested && requested > 0 ? requested : Math.ceil(login.defaultTokenExpiration / 60)
  const capped = login.maxTokenExpiration === null ? wanted : Math.min(wanted, Math.floor(login.maxTokenExpiration / 60))
  return Math.max(1, capped)
}

/**
 * Makes a session key for an identity, noting where it was signed in from; the token is returned
 * once and only its hash is kept.
 */
export async function createSession(q: Queryable, identityId: string, minutes: number, now: Date, client: ClientInfo): Promise<{ id: string; token: string }> {
  const token = generateToken()
  const { id } = await insertApiKey(q, {
    identityId,
    type: 'session',
    tokenHash: hashToken(token),
    expirationMinutes: minutes,
    expiresAt: new Date(now.getTime() + minutes * 60_000),
    createdAt: now,
    client,
  })
  return { id, token }
}
