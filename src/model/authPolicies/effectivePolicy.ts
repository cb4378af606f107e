import type { Queryable } from '../../db/db.js'
import { selectAuthPolicies, selectProjectRoles, type AuthPolicyRow } from '../../db/queries/authPolicies.js'
import { notifyPoliciesChanged } from '../../db/queries/invalidation.js'
import type { Deps } from '../deps.js'

// Which auth policies apply to an identity, and what they add up to. Read at sign-in only; the
// token check sees just the limits a session was given when it was made.

/** What the policies that apply to someone demand together; null fields: none of them says. */
export interface EffectivePolicy {
  mfaRequired: boolean
  tokenExpiration: number | null
  idleTimeout: number | null
  graceDuration: number | null
  rememberMeAllowed: boolean | null
}

export const NO_POLICY: EffectivePolicy = { mfaRequired: false, tokenExpiration: null, idleTimeout: null, graceDuration: null, rememberMeAllowed: null }

/**
 * The safe sum: MFA when any policy asks for it; the shortest of each duration; remember-me
 * only when none forbids it.
 */
export function combinePolicies(policies: readonly Pick<AuthPolicyRow, 'mfaRequired' | 'tokenExpiration' | 'idleTimeout' | 'graceDuration' | 'rememberMeAllowed'>[]): EffectivePolicy {
  const shortest = (values: (number | null)[]) => {
    const set = values.filter((value): value is number => value !== null)
    return set.length > 0 ? Math.min(...set) : null
  }
  const rememberMe = policies.map((p) => p.rememberMeAllowed).filter((value) => value !== null)
  return {
    mfaRequired: policies.some((p) => p.mfaRequired === true),
    tokenExpiration: shortest(policies.map((p) => p.tokenExpiration)),
    idleTimeout: shortest(policies.map((p) => p.idleTimeout)),
    graceDuration: shortest(policies.map((p) => p.graceDuration)),
    rememberMeAllowed: rememberMe.length === 0 ? null : rememberMe.every(Boolean),
  }
}

/** The policies of this node, read once and kept until a change is announced (invalidation). */
export class PolicyCache {
  private loaded: Promise<AuthPolicyRow[]> | null = null

  list(q: Queryable): Promise<AuthPolicyRow[]> {
    if (this.loaded) return this.loaded
    const loading = selectAuthPolicies(q)
    this.loaded = loading
    // A failed read is not kept. (A change announced while reading clears `loaded`, so that read is not kept either.)
    loading.catch(() => { if (this.loaded === loading) this.loaded = null })
    return loading
  }

  clear(): void {
    this.loaded = null
  }
}

/** Announces a change of the policies to every node (at commit) and forgets this node's copy. */
export async function announcePoliciesChanged(deps: Deps, tx: Queryable): Promise<void> {
  await notifyPoliciesChanged(tx)
  deps.policies.clear()
}

/** A person's global roles as policies see them: `person` too, which every person holds. */
export const personRoles = (person: { roles: readonly string[] }) => person.roles.includes('person') ? person.roles : [...person.roles, 'person']

/**
 * The policies that apply to an identity: global ones naming one of its global roles, project
 * ones naming a role it holds in that project (its own memberships).
 */
export async function effectivePolicy(deps: Deps, identityId: string, globalRoles: readonly string[], q: Queryable = deps.db): Promise<EffectivePolicy> {
  const policies = await deps.policies.list(q)
  if (policies.length === 0) return NO_POLICY
  const projectIds = [...new Set(policies.filter((p) => p.projectId !== null).map((p) => p.projectId!))]
  const held = projectIds.length > 0 ? await selectProjectRoles(q, identityId, projectIds) : []
  const applies = (p: AuthPolicyRow) => p.scope === 'global'
    ? p.roles.some((role) => globalRoles.includes(role))
    : p.roles.some((role) => held.some((m) => m.projectId === p.projectId && m.role === role))
  return combinePolicies(policies.filter(applies))
}
