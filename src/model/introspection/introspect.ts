import type { Deps } from '../deps.js'
import { selectMemberships } from '../../db/queries/memberships.js'
import { selectPersonsByIds } from '../../db/queries/persons.js'
import { selectProjectBySlug } from '../../db/queries/projects.js'
import type { Membership } from '../acl/projectAcl.js'
import { principalOf, verifyTokenHash } from '../auth/authenticate.js'
import { hashToken } from '../tokens.js'

/** RFC 7662 in spirit: an inactive token says nothing else about itself. */
export type Introspection =
  | { active: false }
  | {
    active: true
    type: 'session' | 'permanent' | 'one_off'
    identityId: string
    personId: string | null
    email: string | null
    /**
     * Always false for now: a person may change their address without proving they own it, so
     * `email` says what the person typed, not whom mail reaches. Never grant access by it.
     */
    emailVerified: false
    roles: string[]
    project: { slug: string; memberships: Membership[] } | null
    expiresAt: string | null
  }

interface Cached {
  email: string | null
  memberships: Map<string, Membership[]>
}

/**
 * Who a token belongs to and what it holds in a project. Unknown, disabled and expired tokens
 * all answer `{ active: false }` after the same single look-up. Repeated questions about the
 * same token are answered from the per-node cache, which changes invalidate on every node.
 */
export async function introspect(deps: Deps, token: string, projectSlug: string | null): Promise<Introspection> {
  const verified = await verifyTokenHash(deps, hashToken(token))
  if (!verified.ok) return { active: false }
  const { key, projects } = verified.value
  let cached = projects.get('') as Cached | undefined
  if (!cached) {
    const [person] = key.personId ? await selectPersonsByIds(deps.db, [key.personId]) : []
    cached = { email: person?.email ?? null, memberships: new Map() }
    projects.set('', cached)
  }
  let project: { slug: string; memberships: Membership[] } | null = null
  if (projectSlug !== null) {
    let memberships = cached.memberships.get(projectSlug)
    if (!memberships) {
      const row = await selectProjectBySlug(deps.db, projectSlug)
      const [group] = row ? await selectMemberships(deps.db, { projectIds: [row.id], identityIds: [key.identityId] }) : []
      memberships = group?.memberships ?? []
      cached.memberships.set(projectSlug, memberships)
    }
    project = { slug: projectSlug, memberships }
  }
  const principal = principalOf(key)
  return {
    active: true,
    type: key.type,
    identityId: key.identityId,
    personId: key.personId,
    email: cached.email,
    emailVerified: false,
    roles: principal.roles,
    project,
    expiresAt: key.expiresAt?.toISOString() ?? null,
  }
}
