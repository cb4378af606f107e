import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'
import { may } from '../acl/permissions.js'
import { selectPersonsByIds, type PersonRow } from '../../db/queries/persons.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectProjectsByIds } from '../../db/queries/projects.js'
import { projectAccessFor, visibleMemberships } from '../projects/projectAccess.js'
import { isUuid } from './findPerson.js'

/**
 * A person, for those who may view persons, and (as in the reference) for anyone who may view
 * one of the person's memberships in a project (a project's membership admin, a chief editor);
 * null for an unknown id and for everyone else. Their global roles stay hidden from the latter
 * (Identity.roles is null).
 */
export async function personById(deps: Deps, caller: Caller, id: string): Promise<PersonRow | null> {
  if (!isUuid(id)) return null
  const person = (await selectPersonsByIds(deps.db, [id]))[0] ?? null
  if (!person || may(caller.roles, 'viewPersons') || person.identityId === caller.identityId) return person
  const memberships = await selectMemberships(deps.db, { identityIds: [person.identityId] })
  if (memberships.length === 0) return null
  const projects = await selectProjectsByIds(deps.db, memberships.map((m) => m.projectId))
  for (const project of projects) {
    const access = await projectAccessFor(deps, caller, project)
    const held = memberships.find((m) => m.projectId === project.id)?.memberships ?? []
    if (visibleMemberships(access, held).length > 0) return person
  }
  return null
}
