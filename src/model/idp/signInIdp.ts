import { z } from 'zod'
import type { Deps } from '../deps.js'
import type { Transaction } from '../../db/db.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may, mayActOnIdentity } from '../acl/permissions.js'
import { insertIdentity } from '../../db/queries/identities.js'
import { insertPerson, publicPerson, selectPersonCredentials, type PersonCredentials, type PersonRow } from '../../db/queries/persons.js'
import { insertLink, selectIdentityProvider, selectLinkedPersonId, type IdentityProviderRow } from '../../db/queries/identityProviders.js'
import { loadTenantConfig } from '../config/tenantConfig.js'
import type { SignInOptions } from '../sessions/createSession.js'
import { issueSession } from '../sessions/signInSteps.js'
import { effectivePolicy, personRoles } from '../authPolicies/effectivePolicy.js'
import { isUniqueViolation } from '../../db/errors.js'
import { parseProviderConfig, type IdpType } from './configuration.js'
import { finishAuth, IdpError, initAuth, type Claims, type ProviderRef } from './handlers.js'
import { fullConfiguration, idTokenContext } from './identityProviders.js'
import { applyClaimMapping } from './claimMapping.js'

// Signing in through an identity provider: initSignInIDP makes the URL to send the person to,
// signInIDP checks what the provider sent back and finds (or makes) the person.

const initData = z.object({
  redirectUrl: z.string().url().max(2000),
  responseMode: z.enum(['query', 'fragment', 'form_post']).optional(),
}).strict()

const sessionData = z.object({ state: z.string().max(500), codeVerifier: z.string().max(500), nonce: z.string().max(500).optional() }).strict()
const responseData = z.object({
  url: z.string().max(10_000).optional(),
  parameters: z.record(z.string().max(100), z.string().max(20_000)).optional(),
  redirectUrl: z.string().max(2000).optional(),
  sessionData,
}).strict().refine((d) => d.url !== undefined || (d.parameters !== undefined && d.redirectUrl !== undefined), 'give url, or parameters with redirectUrl')

const validationMessage = (error: z.ZodError) => {
  const issue = error.issues[0]!
  return `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`
}

/** A stored provider that may be used now, as the handlers take it. */
export function usable(deps: Deps, row: IdentityProviderRow | null): ProviderRef | null {
  if (!row || row.disabledAt !== null) return null
  const parsed = parseProviderConfig(row.type as IdpType, fullConfiguration(deps, row))
  if (!parsed.ok) return null
  return { id: row.id, type: row.type as IdpType, config: parsed.config, version: JSON.stringify(row.configuration) + (row.secretsSealed ?? '') }
}

export async function initSignInIdp(deps: Deps, caller: Caller, args: { identityProvider: string; data?: unknown; redirectUrl?: string | null }):
    Promise<Result<{ authUrl: string; sessionData: unknown; idpConfiguration: Record<string, unknown> | null }, 'PROVIDER_NOT_FOUND' | 'IDP_VALIDATION_FAILED' | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'signInIdp')) return fail('FORBIDDEN', 'You are not allowed to create a redirect URL for IDP')
  const row = await selectIdentityProvider(deps.db, args.identityProvider)
  const provider = usable(deps, row)
  if (!provider) return fail('PROVIDER_NOT_FOUND', `Identity provider ${args.identityProvider} not found`)
  const data = initData.safeParse(args.data ?? { redirectUrl: args.redirectUrl ?? undefined })
  if (!data.success) return fail('IDP_VALIDATION_FAILED', validationMessage(data.error))
  try {
    const started = await initAuth(provider, data.data)
    return ok({ ...started, idpConfiguration: row!.initReturnsConfig ? row!.configuration : null })
  } catch (error) {
    if (error instanceof IdpError) return fail('IDP_VALIDATION_FAILED', error.message)
    throw error
  }
}

export type SignInIdpErrorCode = 'INVALID_IDP_RESPONSE' | 'IDP_VALIDATION_FAILED' | 'PERSON_NOT_FOUND' | 'PERSON_DISABLED' | 'PERSON_ALREADY_EXISTS'

export interface SignInIdpArgs {
  identityProvider: string
  data?: unknown
  expiration?: number | null
  options?: SignInOptions | null
  idpResponse?: { url: string } | null
  redirectUrl?: string | null
  sessionData?: unknown
}

/**
 * The provider's answer (the URL it redirected to, or the fields it posted) with the sessionData
 * initSignInIDP gave -> a session for the person it names. The person is found by the provider's
 * subject, else by a verified email (not for exclusive providers), else made (autoSignUp).
 */
export async function signInIdp(deps: Deps, caller: Caller, args: SignInIdpArgs):
    Promise<Result<{ token: string; person: PersonRow; idpResponse: Record<string, unknown> }, SignInIdpErrorCode | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'signInIdp')) return fail('FORBIDDEN', forbiddenMessage('signInIdp'))
  const row = await selectIdentityProvider(deps.db, args.identityProvider)
  const result = await attempt(deps, caller, row, args)
  if (!result.ok) {
    await recordAuthEvent(deps, deps.db, caller, {
      type: 'idp_login', success: false, errorCode: result.code, errorMessage: result.message, identityProviderId: row?.id ?? null,
      personId: result.personId ?? null, personInputIdentifier: result.email?.slice(0, 254) ?? null,
    })
    return fail(result.code, result.message)
  }
  return result
}

type Failure = { ok: false; code: SignInIdpErrorCode; message: string; personId?: string; email?: string | null }
const refuse = (code: SignInIdpErrorCode, message: string, more: { personId?: string; email?: string | null } = {}): Failure => ({ ok: false, code, message, ...more })

async function attempt(deps: Deps, caller: Caller, row: IdentityProviderRow | null, args: SignInIdpArgs):
    Promise<Failure | { ok: true; value: { token: string; person: PersonRow; idpResponse: Record<string, unknown> } }> {
  const provider = usable(deps, row)
  if (!provider) return refuse('IDP_VALIDATION_FAILED', `Identity provider ${args.identityProvider} not found`)
  const given = args.data ?? { url: args.idpResponse?.url, redirectUrl: args.redirectUrl ?? undefined, sessionData: args.sessionData }
  const data = responseData.safeParse(given)
  if (!data.success) return refuse('IDP_VALIDATION_FAILED', validationMessage(data.error))
  let claims: Claims
  try {
    claims = await finishAuth(provider, data.data)
  } catch (error) {
    if (error instanceof IdpError) return refuse(error.code, error.message)
    throw error
  }
  const config = await loadTenantConfig(deps.db)
  // Read outside the transaction (PGlite has one connection): inside, the policies come from this node's copy.
  await deps.policies.list(deps.db)
  return deps.db.transaction(async (tx) => {
    const found = await personFor(deps, tx, row!, claims)
    if (!found.ok) return found
    const person = found.value
    if (person.disabledAt !== null) return refuse('PERSON_DISABLED', `Person with e-mail ${claims.email} is disabled`, { personId: person.id, email: claims.email })
    const mapping = provider.config.claimMapping
    if (mapping) await applyClaimMapping(deps, tx, caller, person, { id: row!.id, mapping }, claims.raw)
    const fresh = (await selectPersonCredentials(tx, { id: person.id }))!
    const policy = await effectivePolicy(deps, fresh.identityId, personRoles(fresh), tx)
    const session = await issueSession(deps, tx, caller, {
      person: fresh, requested: args.expiration, login: config.login, policy, options: args.options,
      idp: { identityProviderId: row!.id, idTokenSealed: claims.idToken ? deps.secrets.encrypt(claims.idToken, idTokenContext(row!.slug)) : null },
      event: (sessionId) => ({ type: 'idp_login', success: true, personId: fresh.id, identityProviderId: row!.id, personInputIdentifier: claims.email, metadata: { sessionId } }),
    })
    return ok({ token: session.token, person: publicPerson(fresh), idpResponse: claims.raw })
  })
}

/**
 * The person the provider's subject is. A subject seen before is its person; otherwise a person
 * with the email is linked, when the provider is not exclusive and the email is verified (or the
 * provider does not ask that); otherwise, with autoSignUp, a person is made.
 */
async function personFor(deps: Deps, tx: Transaction, provider: IdentityProviderRow, claims: Claims): Promise<Result<PersonCredentials, SignInIdpErrorCode>> {
  const now = deps.clock.now()
  // A provider a project admin wrote (they may run the provider themselves) must not sign anyone
  // in whom a project admin could not act on: a super admin, say.
  const reachable = (person: PersonCredentials) => provider.writtenBySuperAdmin || mayActOnIdentity(['project_admin'], person.roles)
  const unreachable = (person: PersonCredentials) =>
    refuse('PERSON_NOT_FOUND', `Person ${claims.email ?? claims.externalIdentifier} not found`, { personId: person.id, email: claims.email })
  const linked = await selectLinkedPersonId(tx, provider.id, claims.externalIdentifier)
  if (linked) {
    const person = await selectPersonCredentials(tx, { id: linked })
    if (person) return reachable(person) ? ok(person) : unreachable(person)
  }
  const byEmail = claims.email ? await selectPersonCredentials(tx, { email: claims.email }) : null
  if (byEmail && !reachable(byEmail)) return unreachable(byEmail)
  const verified = claims.emailVerified || provider.assumeEmailVerified || !provider.requireVerifiedEmail
  if (byEmail && !provider.exclusive && verified) {
    await insertLink(tx, byEmail.id, provider.id, claims.externalIdentifier, now)
    return ok(byEmail)
  }
  if (!provider.autoSignUp) {
    return refuse('PERSON_NOT_FOUND', `Person ${claims.email ?? claims.externalIdentifier} not found`, { ...byEmail ? { personId: byEmail.id } : {}, email: claims.email })
  }
  // Someone has the address but may not be taken over through this provider.
  if (byEmail) return refuse('PERSON_ALREADY_EXISTS', `A person with e-mail ${claims.email} exists and cannot be signed in through this provider`, { email: claims.email })
  // An exclusive provider's persons have no email: they sign in only through it.
  const email = provider.exclusive ? null : claims.email
  const identity = await insertIdentity(tx, { roles: ['person'] })
  let created: PersonRow
  try {
    created = await insertPerson(tx, { identityId: identity.id, email, name: claims.name ?? claims.email?.split('@')[0] ?? claims.externalIdentifier, passwordHash: null, createdAt: now })
  } catch (error) {
    if (isUniqueViolation(error, 'person_email_unique')) return refuse('PERSON_ALREADY_EXISTS', `A person with e-mail ${claims.email} already exists`, { email: claims.email })
    throw error
  }
  await insertLink(tx, created.id, provider.id, claims.externalIdentifier, now)
  return ok((await selectPersonCredentials(tx, { id: created.id }))!)
}
