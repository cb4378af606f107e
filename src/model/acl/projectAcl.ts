import { z } from 'zod'

// A project's roles, from its config under `acl`, in the shape of a Contember ACL schema:
//   { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } },
//                        tenant: { invite, unmanagedInvite, manage, view } } } }
// Only what the tenant needs is read; anything else under a role (entity rules for a content
// API) is kept in the config untouched. Pure: parsed and checked here, tested by tables.

export const ADMIN_ROLE = 'admin'

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

export interface Membership {
  role: string
  variables: readonly { name: string; values: readonly string[] }[]
}

const name = z.string().min(1).max(100).regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'must be letters, digits, "_" or "-"')
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
 * Reads `config.acl`. A project always has the `admin` role, even when its ACL omits it.
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
    return { ok: false, message: `config.acl.${issue.path.join('.')}: ${issue.message}` }
  }
  const roles: Record<string, RoleDefinition> = {}
  for (const [role, def] of Object.entries(parsed.data.roles)) {
    roles[role] = { variables: (def.variables ?? {}) as Record<string, VariableDefinition>, tenant: (def.tenant ?? {}) as TenantRules }
    for (const [kind, rule] of Object.entries(roles[role]!.tenant)) {
      if (typeof rule !== 'object') continue
      const unknown = Object.keys(rule).find((target) => target !== ADMIN_ROLE && !(target in parsed.data.roles))
      if (unknown) return { ok: false, message: `config.acl.roles.${role}.tenant.${kind}: role "${unknown}" is not defined` }
    }
  }
  roles[ADMIN_ROLE] ??= { variables: {}, tenant: {} }
  return { ok: true, acl: { roles } }
}

export type MembershipProblemCode = 'ROLE_NOT_FOUND' | 'VARIABLE_NOT_FOUND' | 'VARIABLE_EMPTY' | 'VARIABLE_INVALID'
export interface MembershipProblem {
  code: MembershipProblemCode
  role: string
  variable: string | null
}

/**
 * Checks memberships against the project's roles. Predefined variables (the reference's
 * identityID, personID) are filled in by the system and may not be given; a variable may
 * appear once per membership; a role once per list.
 */
export function validateMemberships(acl: ProjectAcl, memberships: readonly Membership[]): MembershipProblem[] {
  const problems: MembershipProblem[] = []
  const seenRoles = new Set<string>()
  for (const m of memberships) {
    const role = acl.roles[m.role]
    if (!role || seenRoles.has(m.role)) {
      problems.push({ code: role ? 'VARIABLE_INVALID' : 'ROLE_NOT_FOUND', role: m.role, variable: null })
      continue
    }
    seenRoles.add(m.role)
    const seenVariables = new Set<string>()
    for (const v of m.variables) {
      const def = role.variables[v.name]
      if (!def) problems.push({ code: 'VARIABLE_NOT_FOUND', role: m.role, variable: v.name })
      else if (def.type === 'predefined' || seenVariables.has(v.name)) problems.push({ code: 'VARIABLE_INVALID', role: m.role, variable: v.name })
      else if (v.values.length === 0) problems.push({ code: 'VARIABLE_EMPTY', role: m.role, variable: v.name })
      seenVariables.add(v.name)
    }
  }
  return problems
}

/**
 * Does one of the caller's memberships, through its role's `rule`, cover `target`?
 * The role must be named; `true` or `variables: true` cover any variables; otherwise every
 * variable of the target must be covered: by `true`, or by values that are a subset of the
 * caller's own values of the named variable.
 */
export function ruleCovers(rule: MembershipMatchRule, caller: Membership, target: Membership): boolean {
  const roleRule = rule[target.role]
  if (!roleRule) return false
  if (roleRule === true || roleRule.variables === true) return true
  const variableRules = roleRule.variables
  return target.variables.every((variable) => {
    const variableRule = variableRules[variable.name]
    if (variableRule === undefined) return false
    if (variableRule === true) return true
    const own = caller.variables.find((v) => v.name === variableRule)
    if (!own) return false
    const allowed = new Set(own.values)
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
    ruleOf(acl.roles[caller.role], action).some((rule) => ruleCovers(rule, caller, target)))
}

/** Whether the caller's project roles give any rule for `action` at all. */
export function hasTenantRule(acl: ProjectAcl, callerMemberships: readonly Membership[], action: TenantAction): boolean {
  return callerMemberships.some((caller) => ruleOf(acl.roles[caller.role], action).length > 0)
}
