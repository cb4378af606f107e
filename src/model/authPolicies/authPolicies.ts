import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { fail, ok, type Result } from '../result.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may, mayAssignGlobalRoles } from '../acl/permissions.js'
import { parseInterval } from '../config/interval.js'
import { selectProjectBySlug } from '../../db/queries/projects.js'
import {
  deleteAuthPolicy as deleteRow, insertAuthPolicy, selectAuthPolicies, updateAuthPolicy as updateRow,
  type AuthPolicyRow, type AuthPolicyValues,
} from '../../db/queries/authPolicies.js'
import { isUuid } from '../persons/findPerson.js'
import { announcePoliciesChanged } from './effectivePolicy.js'

// Auth policies (README, "MFA and policies"): what holders of some roles must do. Managed by
// super admins; a project admin may manage only policies that cannot reach anyone above them.

export interface AuthPolicyInput {
  scope: 'global' | 'project'
  project?: string | null
  roles: string[]
  mfaRequired?: boolean | null
  tokenExpiration?: unknown
  idleTimeout?: unknown
  mfaGraceDuration?: unknown
  rememberMeAllowed?: boolean | null
}

export interface AuthPolicy {
  id: string
  scope: 'global' | 'project'
  project: string | null
  roles: string[]
  mfaRequired: boolean | null
  /** Seconds (the Interval scalar shows them as ISO 8601). */
  tokenExpiration: number | null
  idleTimeout: number | null
  mfaGraceDuration: number | null
  rememberMeAllowed: boolean | null
}

type ValidationCode = 'PROJECT_REQUIRED' | 'PROJECT_NOT_ALLOWED' | 'PROJECT_NOT_FOUND' | 'INVALID_INPUT' | 'FORBIDDEN'

const MAX_ROLES = 50
const MAX_ROLE_LENGTH = 100

const shown = (row: AuthPolicyRow): AuthPolicy => ({
  id: row.id, scope: row.scope, project: row.projectSlug, roles: row.roles, mfaRequired: row.mfaRequired,
  tokenExpiration: row.tokenExpiration, idleTimeout: row.idleTimeout, mfaGraceDuration: row.graceDuration, rememberMeAllowed: row.rememberMeAllowed,
})

/**
 * A project admin may not bind anyone it could not have made: a global policy only on roles it
 * may hand out (not `person`, which every person holds, super admins too); project policies on
 * any project role.
 */
function mayManage(caller: Caller, policy: Pick<AuthPolicyValues, 'scope' | 'roles'>): boolean {
  if (!may(caller.roles, 'manageAuthPolicies')) return false
  return policy.scope === 'project' || mayAssignGlobalRoles(caller.roles, policy.roles)
}

export async function authPolicies(deps: Deps, caller: Caller): Promise<Result<AuthPolicy[], 'FORBIDDEN'>> {
  if (!may(caller.roles, 'manageAuthPolicies')) return fail('FORBIDDEN', 'You are not allowed to view auth policies')
  return ok((await selectAuthPolicies(deps.db)).map(shown))
}

/** The input as stored, or why it cannot be: scope and project must agree, the project exist, durations parse. */
async function toValues(deps: Deps, caller: Caller, input: AuthPolicyInput): Promise<Result<AuthPolicyValues, ValidationCode>> {
  if (input.scope === 'global' && input.project != null) return fail('PROJECT_NOT_ALLOWED', 'A global auth policy must not reference a project')
  if (input.scope === 'project' && input.project == null) return fail('PROJECT_REQUIRED', 'A project-scoped auth policy requires a project')
  if (input.roles.length > MAX_ROLES || input.roles.some((role) => role.length > MAX_ROLE_LENGTH)) {
    return fail('INVALID_INPUT', `At most ${MAX_ROLES} roles of at most ${MAX_ROLE_LENGTH} characters`)
  }
  const durations: Record<'tokenExpiration' | 'idleTimeout' | 'mfaGraceDuration', number | null> = { tokenExpiration: null, idleTimeout: null, mfaGraceDuration: null }
  for (const field of ['tokenExpiration', 'idleTimeout', 'mfaGraceDuration'] as const) {
    const value = input[field]
    if (value == null) continue
    const seconds = parseInterval(value)
    if (seconds === null) return fail('INVALID_INPUT', `${field} must be a duration such as "PT8H"`)
    // A session shorter than a minute could not be used; an idle timeout of 0 would end every session at once.
    if (field !== 'mfaGraceDuration' && seconds < 60) return fail('INVALID_INPUT', `${field} must be at least a minute`)
    durations[field] = seconds
  }
  let projectId: string | null = null
  if (input.scope === 'project') {
    const project = await selectProjectBySlug(deps.db, input.project!)
    if (!project) return fail('PROJECT_NOT_FOUND', `Project ${input.project} not found`)
    projectId = project.id
  }
  const values: AuthPolicyValues = {
    scope: input.scope, projectId, roles: [...new Set(input.roles)], mfaRequired: input.mfaRequired ?? null,
    tokenExpiration: durations.tokenExpiration, idleTimeout: durations.idleTimeout, graceDuration: durations.mfaGraceDuration,
    rememberMeAllowed: input.rememberMeAllowed ?? null,
  }
  if (!mayManage(caller, values)) return fail('FORBIDDEN', forbiddenMessage('manageAuthPolicies'))
  return ok(values)
}

const snapshot = (input: AuthPolicyInput) => ({
  scope: input.scope, project: input.project ?? null, roles: input.roles, mfaRequired: input.mfaRequired ?? null,
  tokenExpiration: input.tokenExpiration ?? null, idleTimeout: input.idleTimeout ?? null, mfaGraceDuration: input.mfaGraceDuration ?? null,
  rememberMeAllowed: input.rememberMeAllowed ?? null,
})

export async function createAuthPolicy(deps: Deps, caller: Caller, input: AuthPolicyInput): Promise<Result<{ id: string }, ValidationCode>> {
  if (!may(caller.roles, 'manageAuthPolicies')) return fail('FORBIDDEN', forbiddenMessage('manageAuthPolicies'))
  const values = await toValues(deps, caller, input)
  if (!values.ok) return values
  return deps.db.transaction(async (tx) => {
    const id = await insertAuthPolicy(tx, values.value, deps.clock.now())
    await announcePoliciesChanged(deps, tx)
    await recordAuthEvent(deps, tx, caller, { type: 'auth_policy_change', success: true, eventData: { operation: 'create', id, policy: snapshot(input) } })
    return ok({ id })
  })
}

/** Replaces every field of the policy (a field left out is cleared). */
export async function updateAuthPolicy(deps: Deps, caller: Caller, id: string, input: AuthPolicyInput): Promise<Result<null, ValidationCode | 'NOT_FOUND'>> {
  if (!may(caller.roles, 'manageAuthPolicies')) return fail('FORBIDDEN', forbiddenMessage('manageAuthPolicies'))
  const values = await toValues(deps, caller, input)
  if (!values.ok) return values
  const existing = await policyToManage(deps, caller, id)
  if (!existing.ok) return existing
  return deps.db.transaction(async (tx) => {
    if (!await updateRow(tx, id, values.value, deps.clock.now())) return notFound(id)
    await announcePoliciesChanged(deps, tx)
    await recordAuthEvent(deps, tx, caller, { type: 'auth_policy_change', success: true, eventData: { operation: 'update', id, policy: snapshot(input) } })
    return ok(null)
  })
}

export async function deleteAuthPolicy(deps: Deps, caller: Caller, id: string): Promise<Result<null, 'NOT_FOUND' | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'manageAuthPolicies')) return fail('FORBIDDEN', forbiddenMessage('manageAuthPolicies'))
  const existing = await policyToManage(deps, caller, id)
  if (!existing.ok) return existing
  return deps.db.transaction(async (tx) => {
    if (!await deleteRow(tx, id)) return notFound(id)
    await announcePoliciesChanged(deps, tx)
    await recordAuthEvent(deps, tx, caller, { type: 'auth_policy_change', success: true, eventData: { operation: 'delete', id } })
    return ok(null)
  })
}

const notFound = (id: string) => fail('NOT_FOUND', `Auth policy ${id} not found`)

/** The policy, when the caller may change it (a project admin: not one that binds roles above them). */
async function policyToManage(deps: Deps, caller: Caller, id: string): Promise<Result<AuthPolicyRow, 'NOT_FOUND' | 'FORBIDDEN'>> {
  const row = isUuid(id) ? (await selectAuthPolicies(deps.db)).find((p) => p.id === id) : undefined
  if (!row) return notFound(id)
  return mayManage(caller, row) ? ok(row) : fail('FORBIDDEN', forbiddenMessage('manageAuthPolicies'))
}
