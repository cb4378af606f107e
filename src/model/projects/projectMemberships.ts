import type { Deps } from '../deps.js'
import type { Membership } from '../acl/projectAcl.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { isUuid } from '../persons/findPerson.js'
import { mayViewProject, visibleMemberships, type ProjectAccess } from './projectAccess.js'

/** An identity's memberships in the project that the caller may view. */
export async function projectMemberships(deps: Deps, access: ProjectAccess | null, identityId: string): Promise<Membership[]> {
  if (!access || !mayViewProject(access) || !isUuid(identityId)) return []
  const [group] = await selectMemberships(deps.db, { projectIds: [access.project.id], identityIds: [identityId] })
  return visibleMemberships(access, group?.memberships ?? [])
}
