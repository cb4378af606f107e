import type { Queryable } from '../../db/db.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectProjectsByIds } from '../../db/queries/projects.js'
import type { MailProject } from './queueMail.js'

/**
 * The project whose templates a mail to a person uses, for mails that carry a token (reset,
 * passwordless, verification): a project's admins may store that project's templates, so such a
 * template may show them the token. It is used only when the person belongs to that one project
 * and holds no global role: then the token reaches nothing the project's admins do not govern
 * already. Anyone else (a member of several projects, an admin of anything) gets the global
 * templates, whatever `hint` (the caller's `mailProject`) says; a hint naming another project
 * than the person's only one is ignored too. The reference lets the hint pick any project of the
 * person, which hands one project's admins the accounts of people who also administer others.
 */
export async function mailProjectOf(q: Queryable, person: { identityId: string; roles: readonly string[] }, hint: string | null | undefined): Promise<MailProject | null> {
  if (person.roles.some((role) => role !== 'person')) return null
  const groups = await selectMemberships(q, { identityIds: [person.identityId] })
  const projectIds = [...new Set(groups.map((g) => g.projectId))]
  if (projectIds.length !== 1) return null
  const [project] = await selectProjectsByIds(q, projectIds)
  if (!project || (hint && hint !== project.slug)) return null
  return { id: project.id, slug: project.slug, name: project.name }
}
