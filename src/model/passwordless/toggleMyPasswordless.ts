import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { selectPersonCredentials, setPersonPasswordless } from '../../db/queries/persons.js'
import { loadTenantConfig } from '../config/tenantConfig.js'

/**
 * The caller's own choice of passwordless sign-in, which counts while the policy is optIn or
 * optOut (CANNOT_TOGGLE under always and never).
 */
export async function toggleMyPasswordless(deps: Deps, caller: Caller, enabled: boolean): Promise<Result<null, 'CANNOT_TOGGLE' | 'NOT_A_PERSON' | 'FORBIDDEN'>> {
  const person = await selectPersonCredentials(deps.db, { identityId: caller.identityId })
  if (!person) return fail('NOT_A_PERSON', 'Only a person can change a password')
  if (!may(caller.roles, 'togglePasswordless')) return fail('FORBIDDEN', forbiddenMessage('togglePasswordless'))
  const { passwordless } = await loadTenantConfig(deps.db)
  if (passwordless.enabled === 'always' || passwordless.enabled === 'never') {
    return fail('CANNOT_TOGGLE', 'Passwordless is configured globally and cannot be toggled')
  }
  await setPersonPasswordless(deps.db, person.id, enabled)
  return ok(null)
}
