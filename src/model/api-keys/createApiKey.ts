import type { Transaction } from '../../db/db.js'
import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import { insertApiKey } from '../../db/queries/apiKeys.js'
import { isUniqueViolation } from '../../db/errors.js'
import { insertIdentity } from '../../db/queries/identities.js'
import { insertMemberships } from '../../db/queries/memberships.js'
import { normaliseMemberships, problemMessages, validateMemberships, type Membership, type MembershipProblem } from '../acl/projectAcl.js'
import type { Caller } from '../auth/authenticate.js'
import { loadProjectAccess, projectAdminDecision, projectNotFound } from '../projects/projectAccess.js'
import { generateToken, hashToken } from '../tokens.js'

export interface CreatedApiKey {
  id: string
  /** Shown once; null when the caller gave the hash of a token of its own. */
  token: string | null
  identityId: string
}

export const isTokenHash = (value: string) => /^[0-9a-f]{64}$/.test(value)

/**
 * One application identity with its own permanent key: with memberships in a project
 * (createApiKey, deploy keys) and/or global roles (createGlobalApiKey). The token is 40 hex
 * characters made here, or the caller's own when it passes only the token's sha256.
 */
export async function createProjectApiKey(tx: Transaction, deps: Deps, key: {
  projectId?: string
  memberships?: readonly Membership[]
  globalRoles?: readonly string[]
  description: string
  tokenHash?: string | null
  /** A backend's key, believed about its users' addresses and user agents (README, "Sessions"). */
  trustForwardedClientInfo?: boolean | null
}): Promise<Result<CreatedApiKey, 'TOKEN_HASH_IN_USE'>> {
  const token = key.tokenHash ? null : generateToken()
  const now = deps.clock.now()
  const identity = await insertIdentity(tx, { roles: [...new Set(key.globalRoles ?? [])], description: key.description })
  let id: string
  try {
    ({ id } = await insertApiKey(tx, {
      identityId: identity.id, type: 'permanent', tokenHash: key.tokenHash ?? hashToken(token!), description: key.description, createdAt: now,
      trustForwardedClientInfo: key.trustForwardedClientInfo ?? false,
    }))
  } catch (error) {
    // Only a caller-given hash can collide. Said without the hash: it must not reach the log either.
    if (isUniqueViolation(error, 'api_key_token_hash_unique')) return tokenHashInUse()
    throw error
  }
  if (key.projectId && key.memberships?.length) await insertMemberships(tx, key.projectId, identity.id, normaliseMemberships(key.memberships), now)
  return ok({ id, token, identityId: identity.id })
}

/** Not a schema code: the resolvers answer it as bad input (UserInputError). */
export const tokenHashInUse = () => fail('TOKEN_HASH_IN_USE', 'This token hash is already in use; make a new token')

export type CreateApiKeyErrorCode = 'PROJECT_NOT_FOUND' | 'INVALID_MEMBERSHIP' | 'TOKEN_HASH_IN_USE' | 'INVALID_TOKEN_HASH' | 'FORBIDDEN'

/** Not a schema code: the resolvers answer it as bad input (UserInputError). */
export const invalidTokenHash = (name: string) => fail('INVALID_TOKEN_HASH', `Invalid format of ${name}. Must be hex-encoded sha256.`)

/**
 * A project's application key (createApiKey). As in the reference: refused unless the caller
 * administers the project; an unknown project is PROJECT_NOT_FOUND only for those who administer
 * every project (others learn nothing about which slugs exist).
 */
export async function createApiKey(deps: Deps, caller: Caller, input: {
  projectSlug: string; memberships: readonly Membership[]; description: string; tokenHash?: string | null; trustForwardedClientInfo?: boolean | null
}): Promise<Result<CreatedApiKey, CreateApiKeyErrorCode>> {
  const access = await loadProjectAccess(deps, caller, input.projectSlug)
  const decision = projectAdminDecision(caller.roles, access)
  if (decision === 'FORBIDDEN') return fail('FORBIDDEN', 'You are not allowed to create an API key for this project')
  if (decision === 'PROJECT_NOT_FOUND' || !access) return fail('PROJECT_NOT_FOUND', projectNotFound(input.projectSlug))
  if (input.tokenHash != null && !isTokenHash(input.tokenHash)) return invalidTokenHash('tokenHash')
  const problems = validateMemberships(access.acl, input.memberships)
  if (problems.length > 0) return invalidMembership(problems)
  return deps.db.transaction(async (tx) => {
    const created = await createProjectApiKey(tx, deps, { ...input, projectId: access.project.id })
    if (created.ok) {
      await recordAuthEvent(deps, tx, caller, { type: 'api_key_create', success: true, eventData: {
        scope: 'project', projectSlug: input.projectSlug, apiKeyId: created.value.id, identityId: created.value.identityId, description: input.description, memberships: input.memberships,
        trustForwardedClientInfo: input.trustForwardedClientInfo ?? false,
      } })
    }
    return created
  })
}

export function invalidMembership(problems: MembershipProblem[]) {
  return fail('INVALID_MEMBERSHIP',
    `Provided membership is invalid: ${problems.map((p) => problemMessages[p.code](p)).join(' ')} You can also check membershipValidation field for structured details.`,
    { membershipValidation: problems })
}
