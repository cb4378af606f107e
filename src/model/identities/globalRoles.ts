import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { isBootstrapIdentity, type Deps } from '../deps.js'
import { may, mayActOnIdentity, mayAssignGlobalRoles } from '../acl/permissions.js'
import type { Caller } from '../auth/authenticate.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { lockIdentity, selectIdentitiesByIds, updateIdentityRoles, type IdentityRow } from '../../db/queries/identities.js'
import { selectPersonCredentials } from '../../db/queries/persons.js'
import { isUuid } from '../persons/findPerson.js'

// The global roles the reference knows; anything else is INVALID_ROLE. An identity with a person
// always shows `person` (it follows from the person), whether or not it is stored.
// `introspector` is ours: it may ask POST /introspect about other tokens.
export const GLOBAL_ROLES = new Set(['login', 'self', 'person', 'super_admin', 'project_creator', 'project_member', 'project_admin', 'entrypoint_deployer', 'introspector'])

/** Names accepted for createGlobalApiKey and signUp: any plain lower-case name except `person`. */
export function invalidGlobalRole(roles: readonly string[]): string | undefined {
  return roles.find((role) => role === 'person' || role.length > 100 || !/^[a-z][a-z0-9_]*$/.test(role))
}

/**
 * May a caller give (or take) `roles` on a target identity? Only with the right to change global
 * roles and to grant each of them, on an identity holding no role it could not grant itself, and
 * never on the root and login identities (their roles follow the environment).
 */
export function mayChangeGlobalRolesOf(callerRoles: readonly string[], roles: readonly string[], target: { roles: readonly string[]; bootstrap: boolean }): boolean {
  return may(callerRoles, 'changeGlobalRoles') && mayAssignGlobalRoles(callerRoles, roles) && !target.bootstrap && mayActOnIdentity(callerRoles, target.roles)
}

/** FORBIDDEN is no schema code: the resolver answers it with a ForbiddenError. */
export type GlobalRolesErrorCode = 'IDENTITY_NOT_FOUND' | 'INVALID_ROLE' | 'FORBIDDEN'

/**
 * Adds or removes global roles (addGlobalIdentityRoles, removeGlobalIdentityRoles). A project
 * admin may give and take only the roles it may grant, and only on identities holding no other
 * global role; the special tokens' roles follow the environment. Every refusal reads the same,
 * so it tells nothing about the target.
 */
export async function changeGlobalRoles(deps: Deps, caller: Caller, change: { identityId: string; roles: readonly string[]; verb: 'add' | 'remove' }):
    Promise<Result<{ identity: IdentityRow }, GlobalRolesErrorCode>> {
  const { identityId, roles, verb } = change
  const forbidden = () => fail('FORBIDDEN', `You are not allowed to ${verb} global roles`)
  if (!may(caller.roles, 'changeGlobalRoles') || !mayAssignGlobalRoles(caller.roles, roles)) return forbidden()
  const invalid = roles.find((role) => !GLOBAL_ROLES.has(role))
  if (invalid !== undefined) return fail('INVALID_ROLE', `Role ${invalid} is not valid`)
  const notFound = () => fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
  if (!isUuid(identityId)) return notFound()
  const changed = await deps.db.transaction(async (tx) => {
    const identity = await lockIdentity(tx, identityId)
    if (!identity) return notFound()
    if (!mayChangeGlobalRolesOf(caller.roles, roles, { roles: identity.roles, bootstrap: isBootstrapIdentity(deps, identityId) })) return forbidden()
    const next = verb === 'add' ? [...identity.roles, ...roles] : identity.roles.filter((role) => !roles.includes(role))
    // Sorted and without repeats, as the reference answers them.
    const after = [...new Set(next)].sort()
    await updateIdentityRoles(tx, identityId, after)
    await announceIdentityChanged(deps, tx, identityId)
    const person = await selectPersonCredentials(tx, { identityId })
    await recordAuthEvent(deps, tx, caller, {
      type: verb === 'add' ? 'global_role_grant' : 'global_role_revoke', success: true, targetPersonId: person?.id ?? null,
      eventData: { identityId, roles, before: { roles: [...identity.roles].sort() }, after: { roles: after } },
    })
    return ok(null)
  })
  if (!changed.ok) return changed
  const [identity] = await selectIdentitiesByIds(deps.db, [identityId])
  return ok({ identity: identity! })
}
