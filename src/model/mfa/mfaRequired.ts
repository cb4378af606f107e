import type { PersonCredentials } from '../../db/queries/persons.js'
import { effectivePolicy, personRoles } from '../authPolicies/effectivePolicy.js'
import type { Deps } from '../deps.js'

/** Whether an auth policy requires MFA of the person (so their last factor may not be turned off). */
export async function lastFactorRequired(deps: Deps, person: PersonCredentials): Promise<boolean> {
  return (await effectivePolicy(deps, person.identityId, personRoles(person))).mfaRequired
}
