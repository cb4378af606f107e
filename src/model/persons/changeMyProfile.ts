import type { Deps } from '../deps.js'
import type { Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { myPerson } from './personAccess.js'
import { updateProfile, type ProfileErrorCode } from './changeProfile.js'

/** changeMyProfile: the caller's own person changes its email and/or name. */
export async function changeMyProfile(deps: Deps, caller: Caller, args: { email?: string | null; name?: string | null }):
    Promise<Result<null, ProfileErrorCode | 'NOT_A_PERSON' | 'FORBIDDEN'>> {
  const person = await myPerson(deps, caller, 'changeMyProfile', 'Only a person can change a profile.')
  return person.ok ? updateProfile(deps, caller, person.value, args, { limited: true }) : person
}
