import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import { lockIdentity, updateIdentityRoles } from '../../db/queries/identities.js'
import { isUuid } from '../persons/findPerson.js'

// Global roles are names; `person` is not one of them (it follows from having a person) and
// can be neither given nor taken. Other names follow a plain pattern, so typos like "super admin"
// are refused instead of stored.
const rolePattern = /^[a-z][a-z0-9_]*$/

export function invalidGlobalRole(roles: readonly string[]): string | undefined {
  return roles.find((role) => role === 'person' || !rolePattern.test(role))
}

type Code = 'IDENTITY_NOT_FOUND' | 'INVALID_ROLE'

async function changeRoles(deps: Deps, identityId: string, roles: readonly string[], change: (current: string[]) => string[]):
    Promise<Result<{ id: string }, Code>> {
  const invalid = invalidGlobalRole(roles)
  if (invalid !== undefined) return fail('INVALID_ROLE', `Role "${invalid}" cannot be a global role`)
  if (!isUuid(identityId)) return fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
  return deps.db.transaction(async (tx) => {
    const identity = await lockIdentity(tx, identityId)
    if (!identity) return fail('IDENTITY_NOT_FOUND', `Identity ${identityId} not found`)
    await updateIdentityRoles(tx, identityId, change(identity.roles))
    return ok({ id: identityId })
  })
}

export const addGlobalIdentityRoles = (deps: Deps, identityId: string, roles: readonly string[]) =>
  changeRoles(deps, identityId, roles, (current) => [...new Set([...current, ...roles])])

export const removeGlobalIdentityRoles = (deps: Deps, identityId: string, roles: readonly string[]) =>
  changeRoles(deps, identityId, roles, (current) => current.filter((role) => !roles.includes(role)))
