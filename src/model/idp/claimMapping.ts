import type { Transaction } from '../../db/db.js'
import { lockIdentity, updateIdentityRoles } from '../../db/queries/identities.js'
import { deleteMemberships, insertMemberships, selectMemberships, type Membership } from '../../db/queries/memberships.js'
import { selectProjectBySlug } from '../../db/queries/projects.js'
import { announceIdentityChanged } from '../auth/announce.js'
import type { Caller } from '../auth/authenticate.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Deps } from '../deps.js'
import type { ClaimMapping } from './configuration.js'

// Role mapping from claims (README, "Identity providers"): at each sign-in through a provider,
// its rules turn claim values (a `groups` claim, say) into global roles and project memberships.
// Only what the rules name is touched: with `unmatched: remove`, a role or membership a rule names
// and no longer grants is taken away; anything else the person holds stays.

type Rule = ClaimMapping['rules'][number]
type Value = string | number | boolean

/** Whether the claims satisfy a rule: `equals` a value (or an array holding it), `contains` text or an element, or is present. */
export function ruleMatches(rule: Pick<Rule, 'claim' | 'equals' | 'contains'>, claims: Record<string, unknown>): boolean {
  const value = Object.hasOwn(claims, rule.claim) ? claims[rule.claim] : undefined
  const scalars = (Array.isArray(value) ? value : [value]).filter((v): v is Value => ['string', 'number', 'boolean'].includes(typeof v))
  if (rule.equals !== undefined) return scalars.some((v) => v === rule.equals)
  if (rule.contains !== undefined) return Array.isArray(value) ? scalars.some((v) => v === rule.contains) : typeof value === 'string' && value.includes(rule.contains)
  return value !== undefined && value !== null && value !== false && value !== '' && !(Array.isArray(value) && value.length === 0)
}

export interface Grants {
  roles: string[]
  /** By project slug, then role. */
  memberships: Map<string, Map<string, Membership['variables']>>
}

/** What the rules that match grant; variables of one membership granted twice are merged. */
export function grantsOf(mapping: ClaimMapping, claims: Record<string, unknown>): Grants {
  const roles = new Set<string>()
  const memberships = new Map<string, Map<string, Map<string, Set<string>>>>()
  for (const rule of mapping.rules) {
    if (!ruleMatches(rule, claims)) continue
    for (const role of rule.grantRoles ?? []) roles.add(role)
    const m = rule.grantMembership
    if (!m) continue
    const byRole = memberships.get(m.project) ?? new Map<string, Map<string, Set<string>>>()
    const variables = byRole.get(m.role) ?? new Map<string, Set<string>>()
    for (const v of m.variables ?? []) variables.set(v.name, new Set([...variables.get(v.name) ?? [], ...v.values]))
    byRole.set(m.role, variables)
    memberships.set(m.project, byRole)
  }
  return {
    roles: [...roles].sort(),
    memberships: new Map([...memberships].map(([project, byRole]) => [project, new Map([...byRole].map(([role, variables]) =>
      [role, [...variables].map(([name, values]) => ({ name, values: [...values].sort() })).sort((a, b) => a.name.localeCompare(b.name))]))])),
  }
}

const sameVariables = (a: Membership['variables'], b: Membership['variables']) =>
  JSON.stringify([...a].map((v) => ({ name: v.name, values: [...v.values].sort() })).sort((x, y) => x.name.localeCompare(y.name))) ===
  JSON.stringify([...b].map((v) => ({ name: v.name, values: [...v.values].sort() })).sort((x, y) => x.name.localeCompare(y.name)))

/**
 * Applies a provider's mapping to the person who just signed in, in the sign-in's transaction.
 * A project that is gone, or a role its ACL no longer has, is skipped and noted
 * (`idp_role_mapping_failed`): the sign-in goes on with what could be applied.
 */
export async function applyClaimMapping(deps: Deps, tx: Transaction, caller: Caller,
  person: { id: string; identityId: string }, provider: { id: string; mapping: ClaimMapping }, claims: Record<string, unknown>): Promise<void> {
  const { mapping } = provider
  const remove = mapping.unmatched === 'remove'
  const grants = grantsOf(mapping, claims)
  const namedRoles = new Set(mapping.rules.flatMap((rule) => rule.grantRoles ?? []))
  const namedMemberships = new Map<string, Set<string>>()
  for (const rule of mapping.rules) {
    if (rule.grantMembership) namedMemberships.set(rule.grantMembership.project, new Set([...namedMemberships.get(rule.grantMembership.project) ?? [], rule.grantMembership.role]))
  }
  const before = { roles: [] as string[], memberships: [] as { project: string; role: string; variables: Membership['variables'] }[] }
  const after = { roles: [] as string[], memberships: [] as { project: string; role: string; variables: Membership['variables'] }[] }
  const failures: string[] = []
  let changed = false

  const identity = await lockIdentity(tx, person.identityId)
  if (!identity) return
  const roles = new Set(identity.roles)
  before.roles = identity.roles.filter((role) => namedRoles.has(role)).sort()
  for (const role of grants.roles) roles.add(role)
  if (remove) for (const role of namedRoles) if (!grants.roles.includes(role)) roles.delete(role)
  after.roles = [...roles].filter((role) => namedRoles.has(role)).sort()
  if (JSON.stringify(before.roles) !== JSON.stringify(after.roles)) {
    await updateIdentityRoles(tx, person.identityId, [...roles])
    changed = true
  }

  const now = deps.clock.now()
  for (const [slug, named] of namedMemberships) {
    const project = await selectProjectBySlug(tx, slug)
    if (!project) {
      if (grants.memberships.has(slug)) failures.push(`project ${slug} does not exist`)
      continue
    }
    const [current] = await selectMemberships(tx, { projectIds: [project.id], identityIds: [person.identityId] })
    const held = new Map((current?.memberships ?? []).map((m) => [m.role, m.variables]))
    for (const role of named) {
      const had = held.get(role)
      if (had) before.memberships.push({ project: slug, role, variables: had })
      const granted = grants.memberships.get(slug)?.get(role)
      if (granted) {
        if (!had || !sameVariables(had, granted)) {
          await deleteMemberships(tx, project.id, person.identityId, [role])
          await insertMemberships(tx, project.id, person.identityId, [{ role, variables: granted }], now)
          changed = true
        }
        after.memberships.push({ project: slug, role, variables: granted })
      } else if (had && remove) {
        await deleteMemberships(tx, project.id, person.identityId, [role])
        changed = true
      } else if (had) {
        after.memberships.push({ project: slug, role, variables: had })
      }
    }
  }
  if (changed) {
    await announceIdentityChanged(deps, tx, person.identityId)
    await recordAuthEvent(deps, tx, caller, {
      type: 'idp_role_mapped', success: true, personId: person.id, targetPersonId: person.id, identityProviderId: provider.id,
      eventData: { before, after, unmatched: mapping.unmatched ?? 'keep' },
    })
  }
  if (failures.length > 0) {
    await recordAuthEvent(deps, tx, caller, {
      type: 'idp_role_mapping_failed', success: false, personId: person.id, targetPersonId: person.id, identityProviderId: provider.id, eventData: { failures },
    })
  }
}
