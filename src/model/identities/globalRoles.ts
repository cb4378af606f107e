import { isBootstrapIdentity, type Deps } from '../deps.js'
import { mayActOnIdentity } from '../acl/permissions.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { lockIdentity, updateIdentityRoles } from '../../db/queries/identities.js'
import { isUuid } from '../persons/findPerson.js'

// The global roles the reference knows; anything else is INVALID_ROLE. An identity with a person
// always shows `person` (it follows from the person), whether or not it is stored.
// `introspector` is ours: it may ask POST /introspect about other tokens.
export const GLOBAL_ROLES = new Set(['login', 'self', 'person', 'super_admin', 'project_creator', 'project_member', 'project_admin', 'entrypoint_deployer', 'introspector'])

/** Names accepted for createGlobalApiKey and signUp: any plain lower-case name except `person`. */
export function invalidGlobalRole(roles: readonly string[]): string | undefined {
  return roles.find((role) => role === 'person' || role.length > 100 || !/^[a-z][a-z0-9_]*$/.test(role))
}

/** FORBIDDEN is no schema code: the resolver answers it with a ForbiddenError. */
type Code = 'IDENTITY_NOT_FOUND' | 'INVALID_ROLE' | 'FORBIDDEN'

async function changeRoles(deps: Deps, callerRoles: readonly string[], identityId: string, roles: readonly string[], change: (current: string[]) => string[]):
    Promise<Result<{ id: string }, Code>> {
  const invalid = roles.find((role) => !GLOBAL_ROLES.has(role))
  if (invalid !== undefined) return fail('INVALID_ROLE', `Role ${invalid} is not valid`)
  const notFound = () => fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
  if (!isUuid(identityId)) return notFound()
  return deps.db.transaction(async (tx) => {
    const identity = await lockIdentity(tx, identityId)
    if (!identity) return notFound()
    // The special tokens' roles follow the environment; and nobody may change the roles of an
    // identity holding a role it could not grant (a project admin stripping a super admin).
    if (isBootstrapIdentity(deps, identityId)) return fail('FORBIDDEN', 'The roles of the root and login tokens follow the environment')
    if (!mayActOnIdentity(callerRoles, identity.roles)) return fail('FORBIDDEN', 'You may not change the roles of an identity holding roles you cannot grant')
    // Sorted and without repeats, as the reference answers them.
    await updateIdentityRoles(tx, identityId, [...new Set(change(identity.roles))].sort())
    await announceIdentityChanged(deps, tx, identityId)
    return ok({ id: identityId })
  })
}

export const addGlobalIdentityRoles = (deps: Deps, callerRoles: readonly string[], identityId: string, roles: readonly string[]) =>
  changeRoles(deps, callerRoles, identityId, roles, (current) => [...current, ...roles])

export const removeGlobalIdentityRoles = (deps: Deps, callerRoles: readonly string[], identityId: string, roles: readonly string[]) =>
  changeRoles(deps, callerRoles, identityId, roles, (current) => current.filter((role) => !roles.includes(role)))
