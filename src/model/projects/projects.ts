import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { selectProjects, type ProjectRow } from '../../db/queries/projects.js'
import { administersAllProjects } from './projectAccess.js'

/** Every project for those who administer every project; otherwise those the caller is a member of. */
export function listProjects(deps: Deps, caller: Caller): Promise<ProjectRow[]> {
  return selectProjects(deps.db, administersAllProjects(caller.roles) ? null : caller.identityId)
}
