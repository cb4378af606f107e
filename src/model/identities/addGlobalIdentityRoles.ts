import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { changeGlobalRoles } from './globalRoles.js'

export const addGlobalIdentityRoles = (deps: Deps, caller: Caller, identityId: string, roles: readonly string[]) =>
  changeGlobalRoles(deps, caller, { identityId, roles, verb: 'add' })
