import type { Queryable } from '../../db/db.js'
import { insertApiKey } from '../../db/queries/apiKeys.js'
import type { LoginConfig } from '../config/tenantConfig.js'
import { generateToken, hashToken } from '../tokens.js'
import type { Caller } from '../auth/authenticate.js'
import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { NO_POLICY, type EffectivePolicy } from '../authPolicies/effectivePolicy.js'

/**
 * The length of a new session in minutes: what the caller asked for, else the configured
 * default; never more than the configured maximum or a policy's `tokenExpiration`, nor (where a
 * policy forbids remembering sign-ins) more than the default, and never less than a minute.
 */
export function sessionMinutes(requested: number | null | undefined, login: LoginConfig, policy: EffectivePolicy = NO_POLICY): number {
  // 0 means "the default", as in the reference; a negative length would make a dead session.
  const byDefault = Math.ceil(login.defaultTokenExpiration / 60)
  const asked = requested && requested > 0 ? requested : byDefault
  const wanted = policy.rememberMeAllowed === false ? Math.min(asked, byDefault) : asked
  const caps = [login.maxTokenExpiration, policy.tokenExpiration].filter((cap): cap is number => cap !== null)
  const capped = caps.length > 0 ? Math.min(wanted, Math.floor(Math.min(...caps) / 60)) : wanted
  return Math.max(1, capped)
}

/** SignInOptions: what a sign-in asks of the session it makes. */
export interface SignInOptions {
  /** The session is believed about its client as the calling key is; asked by a key that is not, nothing happens. */
  trustForwardedClientInfo?: boolean | null
}

export interface NewSession {
  identityId: string
  /** Whose session (the auth log's `session_policy_applied` names them). */
  personId: string
  /** Minutes the caller asked for (`expiration`). */
  requested: number | null | undefined
  login: LoginConfig
  policy: EffectivePolicy
  options?: SignInOptions | null
  /** Signed in through an identity provider: which, and its ID token (sealed), for signOut's logoutUrl. */
  idp?: { identityProviderId: string; idTokenSealed: string | null }
}

/**
 * Makes a session key for an identity, noting where it was signed in from; the token is returned
 * once and only its hash is kept. The policies in force give it its limits: a length capped by
 * `tokenExpiration` that use never prolongs past it, and an `idleTimeout`. Only a caller whose own
 * key is trusted to forward its client's address may pass that trust on (a session made through
 * the public login token never is).
 */
export async function createSession(deps: Deps, tx: Queryable, caller: Caller, session: NewSession): Promise<{ id: string; token: string }> {
  const now = deps.clock.now()
  const { policy } = session
  const minutes = sessionMinutes(session.requested, session.login, policy)
  const token = generateToken()
  const { id } = await insertApiKey(tx, {
    identityId: session.identityId,
    type: 'session',
    tokenHash: hashToken(token),
    expirationMinutes: minutes,
    expiresAt: new Date(now.getTime() + minutes * 60_000),
    createdAt: now,
    client: caller.client,
    trustForwardedClientInfo: caller.trustForwardedClientInfo && session.options?.trustForwardedClientInfo === true,
    idleTimeout: policy.idleTimeout,
    maxExpiresAt: policy.tokenExpiration === null ? null : new Date(now.getTime() + policy.tokenExpiration * 1000),
    identityProviderId: session.idp?.identityProviderId ?? null,
    idpIdTokenSealed: session.idp?.idTokenSealed ?? null,
  })
  if (policy.mfaRequired || policy.tokenExpiration !== null || policy.idleTimeout !== null || policy.rememberMeAllowed !== null) {
    await recordAuthEvent(deps, tx, caller, {
      type: 'session_policy_applied', success: true, personId: session.personId, metadata: { sessionId: id },
      eventData: { tokenExpiration: policy.tokenExpiration, idleTimeout: policy.idleTimeout, rememberMeAllowed: policy.rememberMeAllowed, mfaRequired: policy.mfaRequired },
    })
  }
  return { id, token }
}
