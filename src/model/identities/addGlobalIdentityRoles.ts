import type { Deps } from '../deps.js'
import type { Principal } from '../auth/authenticate.js'
import { changeGlobalRoles } from './globalRoles.js'

export const addGlobalIdentityRoles = (deps: Deps, caller: Principal, identityId: string, roles: readonly string[]) =>
  changeGlobalRoles(deps, caller, { identityId, roles, verb: 'add' })
