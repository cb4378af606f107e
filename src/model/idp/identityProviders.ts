import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { may, mayAssignGlobalRoles } from '../acl/permissions.js'
import { isUniqueViolation } from '../../db/errors.js'
import {
  insertIdentityProvider, selectIdentityProvider, selectIdentityProviders, setIdentityProviderDisabled, updateIdentityProvider,
  type IdentityProviderOptions, type IdentityProviderRow,
} from '../../db/queries/identityProviders.js'
import { selectProjectBySlug } from '../../db/queries/projects.js'
import { parseProjectAcl, validateMemberships } from '../acl/projectAcl.js'
import { isIdpType, mergeConfiguration, parseProviderConfig, splitSecrets, type ClaimMapping, type IdpType, type ProviderConfig } from './configuration.js'
import { checkApplePrivateKey, forgetProvider } from './handlers.js'

// Identity providers as admins manage them (README, "Identity providers"). Secrets are sealed
// with the encryption key and never shown.

export interface IdentityProviderView {
  slug: string
  type: string
  configuration: Record<string, unknown>
  disabledAt: Date | null
  options: IdentityProviderOptions
}

export interface IdpOptionsInput {
  autoSignUp?: boolean | null
  exclusive?: boolean | null
  initReturnsConfig?: boolean | null
  requireVerifiedEmail?: boolean | null
  assumeEmailVerified?: boolean | null
}

/** What the secrets of a provider are sealed to: moved to another row, they do not open. */
export const idpSecretContext = (slug: string) => `idp:${slug}`
/** What a session's ID token from the provider is sealed to. */
export const idTokenContext = (slug: string) => `idp:${slug}:id_token`

const MAX_SLUG = 100

export const view = (row: IdentityProviderRow): IdentityProviderView => ({
  slug: row.slug, type: row.type, configuration: row.configuration, disabledAt: row.disabledAt,
  options: { autoSignUp: row.autoSignUp, exclusive: row.exclusive, initReturnsConfig: row.initReturnsConfig, requireVerifiedEmail: row.requireVerifiedEmail, assumeEmailVerified: row.assumeEmailVerified },
})

export async function identityProviders(deps: Deps, caller: Caller): Promise<Result<IdentityProviderView[], 'FORBIDDEN'>> {
  if (!may(caller.roles, 'manageIdentityProviders')) return fail('FORBIDDEN', 'You are not allowed to list IDP')
  return ok((await selectIdentityProviders(deps.db)).map(view))
}

/** The full configuration of a stored provider (secrets opened). */
export function fullConfiguration(deps: Deps, row: IdentityProviderRow): Record<string, unknown> {
  const secrets = row.secretsSealed ? JSON.parse(deps.secrets.decrypt(row.secretsSealed, idpSecretContext(row.slug))) as Record<string, unknown> : {}
  return { ...row.configuration, ...secrets }
}

type ConfigProblem = 'INVALID_CONFIGURATION' | 'FORBIDDEN'

/** A configuration as stored, or why not: its shape, Apple's key, and a claim mapping the caller may grant. */
async function checked(deps: Deps, caller: Caller, type: IdpType, slug: string, configuration: unknown):
    Promise<Result<{ configuration: Record<string, unknown>; secretsSealed: string | null }, ConfigProblem>> {
  const parsed = parseProviderConfig(type, configuration)
  if (!parsed.ok) return fail('INVALID_CONFIGURATION', parsed.message)
  if (type === 'apple') {
    const problem = await checkApplePrivateKey((parsed.config as { privateKey: string }).privateKey)
    if (problem) return fail('INVALID_CONFIGURATION', problem)
  }
  const mapping = parsed.config.claimMapping
  if (mapping) {
    const problem = await mappingProblem(deps, caller, mapping)
    if (problem) return problem.code === 'FORBIDDEN' ? problem : fail('INVALID_CONFIGURATION', `Invalid IDP configuration: ${problem.message}`)
  }
  const { shown, secrets } = splitSecrets(type, parsed.config as ProviderConfig & Record<string, unknown>)
  const secretsSealed = Object.keys(secrets).length > 0 ? deps.secrets.encrypt(JSON.stringify(secrets), idpSecretContext(slug)) : null
  return ok({ configuration: shown, secretsSealed })
}

/**
 * A mapping may grant only what the caller could grant by hand: global roles it may assign
 * (never super_admin), and memberships the project's roles define.
 */
async function mappingProblem(deps: Deps, caller: Caller, mapping: ClaimMapping) {
  for (const rule of mapping.rules) {
    if (rule.grantRoles?.length && (rule.grantRoles.includes('super_admin') || !mayAssignGlobalRoles(caller.roles, rule.grantRoles))) {
      return rule.grantRoles.includes('super_admin')
        ? fail('INVALID_CONFIGURATION', `claimMapping for claim '${rule.claim}' may not grant super_admin`)
        : fail('FORBIDDEN', `You are not allowed to map a claim to the roles ${rule.grantRoles.join(', ')}`)
    }
    const membership = rule.grantMembership
    if (membership) {
      const project = await selectProjectBySlug(deps.db, membership.project)
      if (!project) return fail('INVALID_CONFIGURATION', `claimMapping grants a membership in project '${membership.project}', which does not exist`)
      const acl = parseProjectAcl(project.config)
      const problems = acl.ok ? validateMemberships(acl.acl, [{ role: membership.role, variables: membership.variables ?? [] }]) : []
      if (!acl.ok || problems.length > 0) {
        return fail('INVALID_CONFIGURATION', `claimMapping grants role '${membership.role}' with variables project '${membership.project}' does not define for it`)
      }
    }
  }
  return null
}

const options = (given: IdpOptionsInput | null | undefined, current?: IdentityProviderOptions): IdentityProviderOptions => ({
  autoSignUp: given?.autoSignUp ?? current?.autoSignUp ?? false,
  exclusive: given?.exclusive ?? current?.exclusive ?? false,
  initReturnsConfig: given?.initReturnsConfig ?? current?.initReturnsConfig ?? false,
  requireVerifiedEmail: given?.requireVerifiedEmail ?? current?.requireVerifiedEmail ?? false,
  assumeEmailVerified: given?.assumeEmailVerified ?? current?.assumeEmailVerified ?? false,
})

/** Key names only: the auth log never holds a configuration's values (secrets among them). */
const snapshot = (row: Pick<IdentityProviderRow, 'slug' | 'type' | 'configuration'> & IdentityProviderOptions) => ({
  slug: row.slug, type: row.type, configurationKeys: Object.keys(row.configuration).sort(),
  autoSignUp: row.autoSignUp, exclusive: row.exclusive, initReturnsConfig: row.initReturnsConfig,
  requireVerifiedEmail: row.requireVerifiedEmail, assumeEmailVerified: row.assumeEmailVerified,
})

export async function addIdp(deps: Deps, caller: Caller, input: { identityProvider: string; type: string; configuration: unknown; options?: IdpOptionsInput | null }):
    Promise<Result<null, 'ALREADY_EXISTS' | 'UNKNOWN_TYPE' | 'INVALID_CONFIGURATION' | 'FORBIDDEN' | 'INVALID_INPUT'>> {
  if (!may(caller.roles, 'manageIdentityProviders')) return fail('FORBIDDEN', 'You are not allowed to add IDP')
  const slug = input.identityProvider
  if (slug === '' || slug.length > MAX_SLUG) return fail('INVALID_INPUT', `identityProvider must be 1 to ${MAX_SLUG} characters`)
  if (!isIdpType(input.type)) return fail('UNKNOWN_TYPE', `IDP type ${input.type} not found`)
  const config = await checked(deps, caller, input.type, slug, input.configuration)
  if (!config.ok) return config
  const row = { slug, type: input.type, ...config.value, ...options(input.options), writtenBySuperAdmin: caller.roles.includes('super_admin') }
  try {
    return await deps.db.transaction(async (tx) => {
      const id = await insertIdentityProvider(tx, row, deps.clock.now())
      await recordAuthEvent(deps, tx, caller, { type: 'idp_create', success: true, identityProviderId: id, eventData: { slug, before: null, after: snapshot(row) } })
      return ok(null)
    })
  } catch (error) {
    if (isUniqueViolation(error, 'identity_provider_slug_unique')) return fail('ALREADY_EXISTS', `IDP with slug ${slug} already exists`)
    throw error
  }
}

/**
 * Changes a provider. `configuration` replaces the stored one, or with `mergeConfiguration` is
 * merged into it (nested objects too; null removes a key); left out, it stays.
 */
export async function updateIdp(deps: Deps, caller: Caller, input: {
  identityProvider: string; type?: string | null; configuration?: unknown; options?: IdpOptionsInput | null; mergeConfiguration?: boolean | null
}): Promise<Result<null, 'NOT_FOUND' | 'INVALID_CONFIGURATION' | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'manageIdentityProviders')) return fail('FORBIDDEN', 'You are not allowed to update IDP')
  const existing = await selectIdentityProvider(deps.db, input.identityProvider)
  if (!existing) return fail('NOT_FOUND', `IDP ${input.identityProvider} not found`)
  const type = input.type ?? existing.type
  if (!isIdpType(type)) return fail('INVALID_CONFIGURATION', `Invalid IDP configuration: IDP type ${type} not found`)
  const stored = fullConfiguration(deps, existing)
  const given = input.configuration
  if (given != null && (typeof given !== 'object' || Array.isArray(given))) return fail('INVALID_CONFIGURATION', 'Invalid IDP configuration: must be an object')
  const next = given == null ? stored : input.mergeConfiguration ? mergeConfiguration(stored, given as Record<string, unknown>) : given
  const config = await checked(deps, caller, type, existing.slug, next)
  if (!config.ok) return config
  // Any change by a project admin leaves the provider unable to reach persons above them.
  const row = { type, ...config.value, ...options(input.options, existing), writtenBySuperAdmin: caller.roles.includes('super_admin') }
  return deps.db.transaction(async (tx) => {
    await updateIdentityProvider(tx, existing.id, row)
    await recordAuthEvent(deps, tx, caller, { type: 'idp_update', success: true, identityProviderId: existing.id, eventData: {
      slug: existing.slug, before: snapshot(existing), after: snapshot({ slug: existing.slug, ...row }),
    } })
    forgetProvider(existing.id)
    return ok(null)
  })
}

/** Disables (or enables) a provider: a disabled one can neither start nor finish a sign-in. */
export async function setIdpEnabled(deps: Deps, caller: Caller, slug: string, enabled: boolean): Promise<Result<null, 'NOT_FOUND' | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'manageIdentityProviders')) return fail('FORBIDDEN', `You are not allowed to ${enabled ? 'enable' : 'disable'} IDP`)
  const existing = await selectIdentityProvider(deps.db, slug)
  if (!existing) return fail('NOT_FOUND', `IDP ${slug} not found`)
  return deps.db.transaction(async (tx) => {
    await setIdentityProviderDisabled(tx, existing.id, enabled ? null : existing.disabledAt ?? deps.clock.now())
    await recordAuthEvent(deps, tx, caller, { type: enabled ? 'idp_enable' : 'idp_disable', success: true, identityProviderId: existing.id, eventData: { slug } })
    return ok(null)
  })
}
