import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { selectMailTemplates, type MailTemplateRow } from '../../db/queries/mail.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { ADMIN_ROLE } from '../acl/projectAcl.js'

/**
 * The stored templates the caller may manage: all of them for super admins and global project
 * admins, the templates of the projects it administers for a project's admin. Anyone else is
 * refused (FORBIDDEN, raised by the resolver).
 */
export async function mailTemplates(deps: Deps, caller: Caller): Promise<Result<MailTemplateRow[], 'FORBIDDEN'>> {
  if (may(caller.roles, 'listMailTemplates')) {
    return ok(await selectMailTemplates(deps.db, { projectIds: null, global: true }))
  }
  const own = await selectMemberships(deps.db, { identityIds: [caller.identityId] })
  const administered = own.filter((group) => group.memberships.some((m) => m.role === ADMIN_ROLE)).map((group) => group.projectId)
  if (administered.length === 0) return fail('FORBIDDEN', forbiddenMessage('listMailTemplates'))
  return ok(await selectMailTemplates(deps.db, { projectIds: administered, global: false }))
}
