import type { Deps } from '../deps.js'
import { fail, ok, type Result } from '../result.js'
import type { Membership, VariableDefinition } from '../acl/projectAcl.js'
import { selectProjectApiKeys, type ApiKeyRow } from '../../db/queries/apiKeys.js'
import { selectIdentitiesByIds, type IdentityRow } from '../../db/queries/identities.js'
import { selectMemberIdentityIds, selectMemberships, type MemberFilter } from '../../db/queries/memberships.js'
import { selectProjectSecretInfos, type ProjectSecretInfo } from '../../db/queries/projects.js'
import { isUuid } from '../persons/findPerson.js'
import { normaliseEmail } from '../persons/email.js'
import { isProjectAdmin, mayViewProject, visibleMemberships, type ProjectAccess } from './projectAccess.js'

// The reads behind Project's fields, each deciding what the caller may see. They take the
// caller's ProjectAccess, which resolvers compute once per request and project.

const variableTypes: Record<VariableDefinition['type'], string> = {
  entity: 'RoleEntityVariableDefinition',
  predefined: 'RolePredefinedVariableDefinition',
  condition: 'RoleConditionVariableDefinition',
}

/** Project.roles: the ACL's roles in their order, then the built-in ones. */
export function projectRoles(access: ProjectAccess) {
  return Object.entries(access.acl.roles).map(([name, role]) => ({
    name,
    variables: Object.entries(role.variables).map(([variable, def]) => ({ name: variable, ...def, __typename: variableTypes[def.type] })),
  }))
}

export interface MembersArgs {
  input?: { limit?: number | null; offset?: number | null; filter?: MemberFilter | null } | null
  memberType?: 'API_KEY' | 'PERSON' | null
}

/** Project.members: members the caller may view, each with only the memberships it may view. */
export async function projectMembers(deps: Deps, access: ProjectAccess, args: MembersArgs):
    Promise<Result<{ identity: IdentityRow; memberships: Membership[] }[], 'INVALID_INPUT'>> {
  if (!mayViewProject(access)) return ok([])
  const limit = args.input?.limit ?? null
  const offset = args.input?.offset ?? 0
  // Any page size, as the reference (a page is read with LIMIT, so a large one costs no more than the members there are).
  if ((limit !== null && limit < 0) || offset < 0) return fail('INVALID_INPUT', 'limit and offset must not be negative')
  if (args.memberType && args.input) return fail('INVALID_INPUT', 'Cannot use both deprecated memberType parameter and new input parameter')
  const filter = { ...args.input?.filter, memberType: args.input?.filter?.memberType ?? args.memberType ?? null }
  if (filter.memberType === 'API_KEY' && filter.email) return fail('INVALID_INPUT', 'Cannot use email filter for ApiKey member type.')
  if (filter.memberType === 'API_KEY' && filter.personId) return fail('INVALID_INPUT', 'Cannot use personId filter for ApiKey member type.')
  // Ids that are not UUIDs match nobody (and must not reach PostgreSQL as such).
  const ids = (list?: readonly string[] | null) => list?.filter(isUuid) ?? null
  const memberFilter = { ...filter, identityId: ids(filter.identityId), personId: ids(filter.personId), email: filter.email?.map(normaliseEmail) ?? null }
  const read = async (page: { limit: number | null; offset: number }) => {
    const identityIds = await selectMemberIdentityIds(deps.db, access.project.id, memberFilter, page)
    if (identityIds.length === 0) return { identityIds, members: [] }
    const [groups, identities] = await Promise.all([
      selectMemberships(deps.db, { projectIds: [access.project.id], identityIds }),
      selectIdentitiesByIds(deps.db, identityIds),
    ])
    const byId = new Map(identities.map((i) => [i.id, i]))
    const order = new Map(identityIds.map((id, i) => [id, i]))
    const members = groups
      .map((g) => ({ identity: byId.get(g.identityId)!, memberships: visibleMemberships(access, g.memberships) }))
      .filter((m) => m.memberships.length > 0)
      .sort((a, b) => order.get(a.identity.id)! - order.get(b.identity.id)!)
    return { identityIds, members }
  }
  // Admins see every membership: the database cuts the page.
  if (isProjectAdmin(access)) return ok((await read({ limit, offset })).members)
  // Others see some members only: read in batches, in order, until the page is full.
  const page: { identity: IdentityRow; memberships: Membership[] }[] = []
  let skipped = 0
  for (let from = 0; ; from += MEMBER_BATCH) {
    const { identityIds, members } = await read({ limit: MEMBER_BATCH, offset: from })
    for (const member of members) {
      if (skipped < offset) skipped++
      else if (limit === null || page.length < limit) page.push(member)
    }
    if (identityIds.length < MEMBER_BATCH || (limit !== null && page.length >= limit)) return ok(page)
  }
}

/** How many members a caller with restricted view reads at a time. */
const MEMBER_BATCH = 500

/** Project.apiKeys: for the project's admins. */
export async function projectApiKeys(deps: Deps, access: ProjectAccess): Promise<Result<ApiKeyRow[], 'FORBIDDEN'>> {
  if (!isProjectAdmin(access)) return fail('FORBIDDEN', 'You are not allowed to view API keys of this project')
  return ok(await selectProjectApiKeys(deps.db, access.project.id))
}

/** Project.secrets: keys and timestamps (never values), for the project's admins. */
export async function projectSecrets(deps: Deps, access: ProjectAccess): Promise<Result<ProjectSecretInfo[], 'FORBIDDEN'>> {
  if (!isProjectAdmin(access)) return fail('FORBIDDEN', 'You are not allowed to view secrets of this project')
  return ok(await selectProjectSecretInfos(deps.db, access.project.id))
}
