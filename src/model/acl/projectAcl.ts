import { z } from 'zod'
import type { Membership } from '../../db/queries/memberships.js'

// A project's roles, from its config under `acl`, in the shape of a Contember ACL schema:
//   { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } },
//                        tenant: { invite, unmanagedInvite, manage, view } } } }
// Only what the tenant needs is read; anything else under a role (entity rules for a content
// API) is kept in the config untouched. Pure: parsed and checked here, tested by tables.

export const ADMIN_ROLE = 'admin'
/** Roles every project has, as in the reference: `admin` administers it, `deployer` is the deploy key's. */
export const BUILT_IN_ROLES = [ADMIN_ROLE, 'content_admin', 'deployer'] as const

export type VariableDefinition =
  | { type: 'entity'; entityName: string }
  | { type: 'predefined'; value: string }
  | { type: 'condition' }

/** Per target variable: `true` (any values) or the name of the caller's own variable whose values bound it. */
export type VariableMatchRule = true | string
/** Per target role: `true` (any membership of it) or rules for its variables. */
export type RoleMatchRule = true | { variables: true | Record<string, VariableMatchRule> }
export type MembershipMatchRule = Record<string, RoleMatchRule>

export interface TenantRules {
  invite?: boolean | MembershipMatchRule
  /** `true` means "the manage rule", as in the reference. */
  unmanagedInvite?: boolean | MembershipMatchRule
  manage?: MembershipMatchRule
  view?: MembershipMatchRule
}

export interface RoleDefinition {
  variables: Record<string, VariableDefinition>
  tenant: TenantRules
}

export interface ProjectAcl {
  roles: Record<string, RoleDefinition>
}

export type { Membership }

/**
 * A dictionary entry that is really there: role and variable names come from users, and a name
 * like "constructor" must not find a property every object inherits.
 */
export const own = <V>(dict: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(dict, key) ? dict[key] : undefined

// Any name the reference takes (it has no pattern: role and variable names are keys of the ACL
// schema), up to 100 characters so a role fits its membership index. Names like "constructor"
// are only data here: every look-up goes through `own`.
const name = z.string().min(1).max(100)
const variableDefinition = z.discriminatedUnion('type', [
  z.object({ type: z.literal('entity'), entityName: z.string().min(1) }).passthrough(),
  z.object({ type: z.literal('predefined'), value: z.string().min(1) }).passthrough(),
  z.object({ type: z.literal('condition') }).passthrough(),
])
const roleMatchRule = z.union([
  z.literal(true),
  z.object({ variables: z.union([z.literal(true), z.record(name, z.union([z.literal(true), name]))]) }).strict(),
])
const matchRule = z.record(name, roleMatchRule)
const roleDefinition = z.object({
  variables: z.record(name, variableDefinition).optional(),
  tenant: z.object({
    invite: z.union([z.boolean(), matchRule]).optional(),
    unmanagedInvite: z.union([z.boolean(), matchRule]).optional(),
    manage: matchRule.optional(),
    view: matchRule.optional(),
  }).strict().optional(),
}).passthrough()
const aclSchema = z.object({ roles: z.record(name, roleDefinition) }).passthrough()

/**
 * Reads `config.acl`. A project always has the roles `admin`, `content_admin` and `deployer`,
 * even when its ACL omits them.
 * Answers a readable message naming the first problem, for the caller to show.
 */
export function parseProjectAcl(config: unknown): { ok: true; acl: ProjectAcl } | { ok: false; message: string } {
  const raw = typeof config === 'object' && config !== null ? (config as { acl?: unknown }).acl : undefined
  if (config !== null && config !== undefined && (typeof config !== 'object' || Array.isArray(config))) {
    return { ok: false, message: 'config must be a JSON object' }
  }
  const parsed = aclSchema.safeParse(raw ?? { roles: {} })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return { ok: false, message: `${['config.acl', ...issue.path].join('.')}: ${issue.message}` }
  }
  const roles: Record<string, RoleDefinition> = {}
  for (const [role, def] of Object.entries(parsed.data.roles)) {
    roles[role] = { variables: (def.variables ?? {}) as Record<string, VariableDefinition>, tenant: (def.tenant ?? {}) as TenantRules }
    for (const [kind, rule] of Object.entries(roles[role]!.tenant)) {
      if (typeof rule !== 'object') continue
      const unknown = Object.keys(rule).find((target) => !(BUILT_IN_ROLES as readonly string[]).includes(target) && !Object.hasOwn(parsed.data.roles, target))
      if (unknown) return { ok: false, message: `config.acl.roles.${role}.tenant.${kind}: role "${unknown}" is not defined` }
    }
  }
  for (const role of BUILT_IN_ROLES) if (!Object.hasOwn(roles, role)) roles[role] = { variables: {}, tenant: {} }
  return { ok: true, acl: { roles } }
}

export type MembershipProblemCode = 'ROLE_NOT_FOUND' | 'VARIABLE_NOT_FOUND' | 'VARIABLE_EMPTY' | 'VARIABLE_INVALID'
export interface MembershipProblem {
  code: MembershipProblemCode
  role: string
  variable: string | null
}

/**
 * Checks memberships against the project's roles, as the reference does: the role must exist;
 * every variable given must be one of the role's (predefined ones, like identityID, are filled
 * in by the system and count as unknown); every variable of the role that is not predefined
 * needs at least one value (VARIABLE_EMPTY); condition variables take JSON objects.
 */
export function validateMemberships(acl: ProjectAcl, memberships: readonly Membership[]): MembershipProblem[] {
  const problems: MembershipProblem[] = []
  for (const m of memberships) {
    const role = own(acl.roles, m.role)
    if (!role) {
      problems.push({ code: 'ROLE_NOT_FOUND', role: m.role, variable: null })
      continue
    }
    for (const v of m.variables) {
      const def = own(role.variables, v.name)
      if (!def || def.type === 'predefined') problems.push({ code: 'VARIABLE_NOT_FOUND', role: m.role, variable: v.name })
    }
    for (const [variable, def] of Object.entries(role.variables)) {
      if (def.type === 'predefined') continue
      const values = m.variables.filter((v) => v.name === variable).flatMap((v) => v.values)
      if (values.length === 0) problems.push({ code: 'VARIABLE_EMPTY', role: m.role, variable })
      else if (def.type === 'condition' && !values.every(isJsonObject)) problems.push({ code: 'VARIABLE_INVALID', role: m.role, variable })
    }
  }
  return problems
}

const isJsonObject = (text: string) => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}

/** One membership per role (the first given wins), each variable once with its values merged. */
export function normaliseMemberships(memberships: readonly Membership[]): Membership[] {
  const byRole = new Map<string, Membership>()
  for (const m of memberships) {
    if (byRole.has(m.role)) continue
    const variables = new Map<string, string[]>()
    for (const v of m.variables) variables.set(v.name, [...new Set([...(variables.get(v.name) ?? []), ...v.values])])
    byRole.set(m.role, { role: m.role, variables: [...variables].map(([name, values]) => ({ name, values })) })
  }
  return [...byRole.values()]
}

export const problemMessages: Record<MembershipProblemCode, (p: MembershipProblem) => string> = {
  ROLE_NOT_FOUND: (p) => `Role ${p.role} is not defined in a schema.`,
  VARIABLE_NOT_FOUND: (p) => `Variable ${p.variable} of role ${p.role} is not defined in a schema.`,
  VARIABLE_EMPTY: (p) => `Variable ${p.variable} of role ${p.role} is empty.`,
  VARIABLE_INVALID: (p) => `Variable ${p.variable} of role ${p.role} contains invalid value.`,
}

/**
 * Does one of the caller's memberships, through its role's `rule`, cover `target`?
 * The role must be named; `true` or `variables: true` cover any variables; otherwise every
 * variable of the target must be covered: by `true`, or by values that are a subset of the
 * caller's own values of the named variable.
 */
export function ruleCovers(rule: MembershipMatchRule, caller: Membership, target: Membership): boolean {
  const roleRule = own(rule, target.role)
  if (!roleRule) return false
  if (roleRule === true || roleRule.variables === true) return true
  const variableRules = roleRule.variables
  return target.variables.every((variable) => {
    const variableRule = own(variableRules, variable.name)
    if (variableRule === undefined) return false
    if (variableRule === true) return true
    const bound = caller.variables.find((v) => v.name === variableRule)
    if (!bound) return false
    const allowed = new Set(bound.values)
    return variable.values.every((value) => allowed.has(value))
  })
}

export type TenantAction = 'manage' | 'view' | 'invite' | 'unmanagedInvite'

/** The rule a role gives for an action; `view` also follows from `manage`. */
export function ruleOf(role: RoleDefinition | undefined, action: TenantAction): MembershipMatchRule[] {
  if (!role) return []
  const { manage, view, invite, unmanagedInvite } = role.tenant
  switch (action) {
    case 'manage': return manage ? [manage] : []
    case 'view': return [manage, view].filter((r): r is MembershipMatchRule => r !== undefined)
    case 'invite': return invite === true ? (manage ? [manage] : []) : invite ? [invite] : []
    case 'unmanagedInvite': return unmanagedInvite === true ? (manage ? [manage] : []) : unmanagedInvite ? [unmanagedInvite] : []
  }
}

/** May a caller with `callerMemberships` in a project do `action` to a membership `target`? */
export function mayTouchMembership(acl: ProjectAcl, callerMemberships: readonly Membership[], action: TenantAction, target: Membership): boolean {
  return callerMemberships.some((caller) =>
    ruleOf(own(acl.roles, caller.role), action).some((rule) => ruleCovers(rule, caller, target)))
}

/** Whether the caller's project roles give any rule for `action` at all. */
export function hasTenantRule(acl: ProjectAcl, callerMemberships: readonly Membership[], action: TenantAction): boolean {
  return callerMemberships.some((caller) => ruleOf(own(acl.roles, caller.role), action).length > 0)
}
