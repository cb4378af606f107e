import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { loadProjectAccess, projectAdminDecision, projectNotFound } from '../projects/projectAccess.js'
import type { ProjectRow } from '../../db/queries/projects.js'

/**
 * Who may change the templates of a scope: global templates are for super admins and global
 * project admins; a project's templates also for that project's admins. A project the caller
 * does not administer, or that does not exist, is PROJECT_NOT_FOUND for those who administer
 * every project and FORBIDDEN for others (nobody learns which slugs exist). FORBIDDEN is no
 * schema code: the resolvers raise it.
 */
export async function mailTemplateScope(deps: Deps, caller: Caller, projectSlug: string | null | undefined):
    Promise<Result<ProjectRow | null, 'PROJECT_NOT_FOUND' | 'FORBIDDEN'>> {
  if (projectSlug === null || projectSlug === undefined) {
    return may(caller.roles, 'manageMailTemplates') ? ok(null) : fail('FORBIDDEN', forbiddenMessage('manageMailTemplates'))
  }
  const access = await loadProjectAccess(deps, caller, projectSlug)
  const decision = projectAdminDecision(caller.roles, access)
  if (decision === 'ok' && access) return ok(access.project)
  return decision === 'PROJECT_NOT_FOUND' ? fail('PROJECT_NOT_FOUND', projectNotFound(projectSlug)) : fail('FORBIDDEN', forbiddenMessage('manageMailTemplates'))
}
