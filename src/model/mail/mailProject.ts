import type { Queryable } from '../../db/db.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectProjectsByIds } from '../../db/queries/projects.js'
import type { MailProject } from './queueMail.js'

/**
 * The project a mail to a person is about (its templates apply): the person's only project, or
 * among several the one `hint` names; none otherwise. A person holding a role that reaches
 * beyond projects (super_admin, project_creator) always gets the global templates: a project's
 * admin may store that project's templates, and must not be able to read such a person's tokens.
 */
export async function mailProjectOf(q: Queryable, person: { identityId: string; roles: readonly string[] }, hint: string | null | undefined): Promise<MailProject | null> {
  if (person.roles.includes('super_admin') || person.roles.includes('project_creator')) return null
  const groups = await selectMemberships(q, { identityIds: [person.identityId] })
  const projects = await selectProjectsByIds(q, [...new Set(groups.map((g) => g.projectId))])
  const project = projects.length === 1 ? projects[0] : hint ? projects.find((p) => p.slug === hint) : undefined
  return project ? { id: project.id, slug: project.slug, name: project.name } : null
}
