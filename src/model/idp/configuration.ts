import { z } from 'zod'
import { isIP } from 'node:net'

// What a provider's `configuration` may hold, per type (README, "Identity providers"). Secrets
// (a client secret, Apple's private key) are taken out and sealed; the rest is stored and shown.

export const IDP_TYPES = ['oidc', 'apple', 'facebook'] as const
export type IdpType = typeof IDP_TYPES[number]

/** Loopback addresses may be http (tests, a provider on the same machine); anything else must be https. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1'
}

const endpoint = z.string().max(2000).refine((value) => {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url))
  } catch {
    return false
  }
}, 'must be an https URL (http only on a loopback address)')

const variable = z.object({ name: z.string().min(1).max(200), values: z.array(z.string().max(500)).max(100) }).strict()

/** Claim values -> roles (README, "Identity providers": role mapping). */
export const claimMappingSchema = z.object({
  rules: z.array(z.object({
    claim: z.string().min(1).max(200),
    equals: z.union([z.string().max(500), z.number(), z.boolean()]).optional(),
    contains: z.string().min(1).max(500).optional(),
    grantRoles: z.array(z.string().min(1).max(100)).max(20).optional(),
    grantMembership: z.object({ project: z.string().min(1).max(200), role: z.string().min(1).max(200), variables: z.array(variable).max(20).optional() }).strict().optional(),
  }).strict()
    .refine((rule) => rule.equals === undefined || rule.contains === undefined, 'a rule may use equals or contains, not both')
    .refine((rule) => (rule.grantRoles?.length ?? 0) > 0 || rule.grantMembership !== undefined, 'a rule must grant roles or a membership'))
    .max(100),
  /** remove: roles and memberships the rules name but no longer grant are taken away at sign-in. */
  unmatched: z.enum(['keep', 'remove']).optional(),
}).strict()

export type ClaimMapping = z.infer<typeof claimMappingSchema>

const common = {
  clientId: z.string().min(1).max(500),
  /** Only the authorization code flow: the implicit and hybrid ones put tokens in the browser's address bar. */
  responseType: z.literal('code').optional(),
  /** The scopes asked for ("claims" in the reference's naming). */
  claims: z.string().max(1000).optional(),
  scope: z.string().max(1000).optional(),
  additionalAuthorizationParameters: z.record(z.string().max(100), z.string().max(2000)).optional(),
  claimMapping: claimMappingSchema.optional(),
  /** Seconds; how long a discovery document is kept (default 3600). */
  discoveryCacheSeconds: z.number().int().min(0).max(86_400).optional(),
  timeout: z.number().int().min(100).max(60_000).optional(),
}

const schemas = {
  oidc: z.object({
    ...common,
    url: endpoint,
    clientSecret: z.string().min(1).max(2000),
    fetchUserInfo: z.boolean().optional(),
    /** Where the provider's sign-out page sends the person afterwards (signOut's logoutUrl). */
    postLogoutRedirectUri: z.string().url().max(2000).optional(),
  }).strict(),
  apple: z.object({
    ...common,
    teamId: z.string().min(1).max(100),
    keyId: z.string().min(1).max(100),
    privateKey: z.string().min(1).max(10_000),
    /** Apple's issuer; overridable so tests can point at a fake. */
    url: endpoint.optional(),
  }).strict(),
  facebook: z.object({
    ...common,
    clientSecret: z.string().min(1).max(2000),
    /** Accepted for the reference's configurations; unused. */
    url: z.string().max(2000).optional(),
    authorizationEndpoint: endpoint.optional(),
    tokenEndpoint: endpoint.optional(),
    graphUrl: endpoint.optional(),
  }).strict(),
}

export type OidcConfig = z.infer<typeof schemas.oidc>
export type AppleConfig = z.infer<typeof schemas.apple>
export type FacebookConfig = z.infer<typeof schemas.facebook>
export type ProviderConfig = OidcConfig | AppleConfig | FacebookConfig

/** The keys kept secret per type: sealed, never shown (identityProviders, idpConfiguration). */
const SECRET_KEYS: Record<IdpType, readonly string[]> = { oidc: ['clientSecret'], apple: ['privateKey'], facebook: ['clientSecret'] }

export const isIdpType = (type: string): type is IdpType => (IDP_TYPES as readonly string[]).includes(type)

/** The configuration checked against its type: the parsed value, or why not. */
export function parseProviderConfig(type: IdpType, configuration: unknown): { ok: true; config: ProviderConfig } | { ok: false; message: string } {
  const parsed = schemas[type].safeParse(configuration)
  if (parsed.success) return { ok: true, config: parsed.data }
  const issue = parsed.error.issues[0]!
  return { ok: false, message: `Invalid IDP configuration: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}` }
}

/** Splits a configuration into what is shown and what is sealed. */
export function splitSecrets(type: IdpType, config: Record<string, unknown>): { shown: Record<string, unknown>; secrets: Record<string, unknown> } {
  const shown: Record<string, unknown> = {}
  const secrets: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(config)) (SECRET_KEYS[type].includes(key) ? secrets : shown)[key] = value
  return { shown, secrets }
}

/**
 * updateIDP with mergeConfiguration: the given keys over the stored ones, nested objects merged
 * too, arrays replaced; null removes a key.
 */
export function mergeConfiguration(stored: Record<string, unknown>, given: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored }
  for (const [key, value] of Object.entries(given)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue
    if (value === null) delete merged[key]
    else if (isPlainObject(value) && isPlainObject(merged[key])) merged[key] = mergeConfiguration(merged[key] as Record<string, unknown>, value)
    else merged[key] = value
  }
  return merged
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
