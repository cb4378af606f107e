import type { Queryable } from '../../db/db.js'
import { insertApiKey } from '../../db/queries/apiKeys.js'
import type { LoginConfig } from '../config/tenantConfig.js'
import { generateToken, hashToken } from '../tokens.js'
import type { Caller } from '../auth/authenticate.js'

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

/** SignInOptions: what a sign-in asks of the session it makes. */
export interface SignInOptions {
  /** The session is believed about its client as the calling key is; asked by a key that is not, nothing happens. */
  trustForwardedClientInfo?: boolean | null
}

/**
 * Makes a session key for an identity, noting where it was signed in from; the token is returned
 * once and only its hash is kept. Only a caller whose own key is trusted to forward its client's
 * address may pass that trust on (a session made through the public login token never is).
 */
export async function createSession(q: Queryable, identityId: string, minutes: number, now: Date, caller: Caller, options?: SignInOptions | null):
    Promise<{ id: string; token: string }> {
  const token = generateToken()
  const { id } = await insertApiKey(q, {
    identityId,
    type: 'session',
    tokenHash: hashToken(token),
    expirationMinutes: minutes,
    expiresAt: new Date(now.getTime() + minutes * 60_000),
    createdAt: now,
    client: caller.client,
    trustForwardedClientInfo: caller.trustForwardedClientInfo && options?.trustForwardedClientInfo === true,
  })
  return { id, token }
}
