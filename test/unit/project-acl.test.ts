import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  hasTenantRule, mayTouchMembership, normaliseMemberships, parseProjectAcl, validateMemberships,
  type Membership, type MembershipProblem, type ProjectAcl, type RoleDefinition, type TenantAction, type TenantRules,
} from '../../src/model/acl/projectAcl.js'

// Projects get their roles from the ACL in their config; a role's tenant section grants tenant
// rights (README, "Projects, members and API keys" and "Who may do what").

const m = (role: string, variables: Record<string, string[]> = {}): Membership =>
  ({ role, variables: Object.entries(variables).map(([name, values]) => ({ name, values })) })
const language = { type: 'entity', entityName: 'Language' } as const
const empty: RoleDefinition = { variables: {}, tenant: {} }
const builtIn = { admin: empty, content_admin: empty, deployer: empty }

function parsed(config: unknown): ProjectAcl {
  const result = parseProjectAcl(config)
  if (!result.ok) assert.fail(`config rejected: ${result.message}`)
  return result.acl
}

// Valid configs; `roles` is every role of the result besides the built-in ones.
const validConfigs: { name: string; config: unknown; roles: Record<string, RoleDefinition> }[] = [
  { name: 'an empty config', config: {}, roles: {} },
  { name: 'a null config', config: null, roles: {} },
  { name: 'no config', config: undefined, roles: {} },
  { name: 'an ACL without roles of its own', config: { acl: { roles: {} } }, roles: {} },
  {
    name: 'entity, predefined and condition variables',
    config: { acl: { roles: { editor: { variables: { language, identity: { type: 'predefined', value: 'identityID' }, filter: { type: 'condition' } } } } } },
    roles: { editor: { variables: { language, identity: { type: 'predefined', value: 'identityID' }, filter: { type: 'condition' } }, tenant: {} } },
  },
  {
    name: 'entity rules beside the tenant section',
    config: { acl: { roles: { editor: { entities: { Article: { predicates: {} } }, tenant: { view: { editor: true } } } } } },
    roles: { editor: { variables: {}, tenant: { view: { editor: true } } } },
  },
  {
    name: 'manage and view rules of every form',
    config: { acl: { roles: {
      editor: { variables: { language } },
      chief: { variables: { language }, tenant: {
        manage: { editor: { variables: { language: 'language' } }, chief: { variables: true } },
        view: { editor: true, admin: { variables: { language: true } } },
      } },
    } } },
    roles: {
      editor: { variables: { language }, tenant: {} },
      chief: { variables: { language }, tenant: {
        manage: { editor: { variables: { language: 'language' } }, chief: { variables: true } },
        view: { editor: true, admin: { variables: { language: true } } },
      } },
    },
  },
  {
    name: 'invite true and an unmanagedInvite rule',
    config: { acl: { roles: { chief: { tenant: { invite: true, unmanagedInvite: { deployer: true }, manage: { content_admin: true } } } } } },
    roles: { chief: { variables: {}, tenant: { invite: true, unmanagedInvite: { deployer: true }, manage: { content_admin: true } } } },
  },
  {
    name: 'an ACL defining admin itself (its definition is kept)',
    config: { acl: { roles: { admin: { variables: { language }, tenant: { manage: { admin: true } } } } } },
    roles: { admin: { variables: { language }, tenant: { manage: { admin: true } } } },
  },
]
for (const c of validConfigs)
  test(`parseProjectAcl accepts ${c.name}; admin, content_admin and deployer always exist`, () =>
    assert.deepEqual(parsed(c.config).roles, { ...builtIn, ...c.roles }))

const withEditor = (editor: unknown) => ({ acl: { roles: { editor } } })
// `message` is the start of the message: the path of the first problem.
const invalidConfigs: { name: string; config: unknown; message: string }[] = [
  { name: 'roles not an object', config: { acl: { roles: 'editor' } }, message: 'config.acl.roles:' },
  { name: 'an unknown variable type', config: withEditor({ variables: { language: { type: 'enum' } } }), message: 'config.acl.roles.editor.variables.language' },
  { name: 'an entity variable without entityName', config: withEditor({ variables: { language: { type: 'entity' } } }), message: 'config.acl.roles.editor.variables.language' },
  { name: 'tenant.manage naming an undefined role', config: withEditor({ tenant: { manage: { ghost: true } } }), message: 'config.acl.roles.editor.tenant.manage: role "ghost" is not defined' },
  { name: 'tenant.view naming an undefined role', config: withEditor({ tenant: { view: { ghost: { variables: true } } } }), message: 'config.acl.roles.editor.tenant.view: role "ghost" is not defined' },
  { name: 'tenant.invite naming an undefined role', config: withEditor({ tenant: { invite: { ghost: true } } }), message: 'config.acl.roles.editor.tenant.invite: role "ghost" is not defined' },
  { name: 'a rule value 5', config: withEditor({ tenant: { manage: { editor: 5 } } }), message: 'config.acl.roles.editor.tenant.manage.editor:' },
  { name: 'a rule value "yes"', config: withEditor({ tenant: { manage: { editor: 'yes' } } }), message: 'config.acl.roles.editor.tenant.manage.editor:' },
  { name: 'a variable rule value 5', config: withEditor({ tenant: { manage: { editor: { variables: { language: 5 } } } } }), message: 'config.acl.roles.editor.tenant.manage.editor' },
  { name: 'an unknown key in a role rule', config: withEditor({ tenant: { manage: { editor: { variables: true, roles: true } } } }), message: 'config.acl.roles.editor.tenant.manage.editor' },
  { name: 'manage: true (manage takes a rule)', config: withEditor({ tenant: { manage: true } }), message: 'config.acl.roles.editor.tenant.manage:' },
  { name: 'an unknown key in tenant', config: withEditor({ tenant: { grant: { editor: true } } }), message: 'config.acl.roles.editor.tenant:' },
  { name: 'a config that is an array', config: [], message: 'config must be a JSON object' },
  { name: 'acl that is a number', config: { acl: 5 }, message: 'config.acl: ' },
  { name: 'acl that is an array', config: { acl: [] }, message: 'config.acl: ' },
  // names every object inherits are not roles
  { name: 'tenant.manage naming "constructor"', config: withEditor({ tenant: { manage: { constructor: true } } }), message: 'config.acl.roles.editor.tenant.manage: role "constructor" is not defined' },
  { name: 'a config that is a string', config: 'acl', message: 'config must be a JSON object' },
]
for (const c of invalidConfigs)
  test(`parseProjectAcl rejects ${c.name}, naming the path`, () => {
    const result = parseProjectAcl(c.config)
    assert.equal(result.ok, false)
    if (!result.ok) assert.equal(result.message.slice(0, c.message.length), c.message)
  })

const projectAcl = parsed({ acl: { roles: {
  editor: { variables: { language } },
  owner: { variables: { identity: { type: 'predefined', value: 'identityID' } } },
  reviewer: { variables: { filter: { type: 'condition' } } },
} } })
const problem = (code: MembershipProblem['code'], role: string, variable: string | null = null) => ({ code, role, variable })
const membershipCases: { name: string; memberships: Membership[]; problems: MembershipProblem[] }[] = [
  { name: 'admin without variables', memberships: [m('admin')], problems: [] },
  { name: 'a role named like an inherited property', memberships: [m('constructor'), m('toString', { x: ['1'] })], problems: [problem('ROLE_NOT_FOUND', 'constructor'), problem('ROLE_NOT_FOUND', 'toString')] },
  { name: 'editor with language values', memberships: [m('editor', { language: ['cs', 'en'] })], problems: [] },
  { name: 'a role with only a predefined variable, none given', memberships: [m('owner')], problems: [] },
  { name: 'condition values that are JSON objects', memberships: [m('reviewer', { filter: ['{"a":1}', '{}'] })], problems: [] },
  { name: 'no memberships', memberships: [], problems: [] },
  { name: 'an unknown role', memberships: [m('ghost')], problems: [problem('ROLE_NOT_FOUND', 'ghost')] },
  { name: 'an unknown variable', memberships: [m('editor', { language: ['cs'], site: ['x'] })], problems: [problem('VARIABLE_NOT_FOUND', 'editor', 'site')] },
  { name: 'a predefined variable given', memberships: [m('owner', { identity: ['x'] })], problems: [problem('VARIABLE_NOT_FOUND', 'owner', 'identity')] },
  { name: 'a role variable missing', memberships: [m('editor')], problems: [problem('VARIABLE_EMPTY', 'editor', 'language')] },
  { name: 'a role variable given with []', memberships: [m('editor', { language: [] })], problems: [problem('VARIABLE_EMPTY', 'editor', 'language')] },
  { name: 'a condition value that is an array', memberships: [m('reviewer', { filter: ['[1]'] })], problems: [problem('VARIABLE_INVALID', 'reviewer', 'filter')] },
  { name: 'a condition value that is null', memberships: [m('reviewer', { filter: ['null'] })], problems: [problem('VARIABLE_INVALID', 'reviewer', 'filter')] },
  { name: 'a condition value that is a JSON string', memberships: [m('reviewer', { filter: ['"a"'] })], problems: [problem('VARIABLE_INVALID', 'reviewer', 'filter')] },
  { name: 'a condition value that is not JSON', memberships: [m('reviewer', { filter: ['{a:1}'] })], problems: [problem('VARIABLE_INVALID', 'reviewer', 'filter')] },
  { name: 'one bad condition value among good ones', memberships: [m('reviewer', { filter: ['{}', '1'] })], problems: [problem('VARIABLE_INVALID', 'reviewer', 'filter')] },
  {
    name: 'several problems at once',
    memberships: [m('ghost'), m('admin'), m('editor', { site: ['x'] }), m('reviewer', { filter: ['x'] })],
    problems: [
      problem('ROLE_NOT_FOUND', 'ghost'), problem('VARIABLE_NOT_FOUND', 'editor', 'site'),
      problem('VARIABLE_EMPTY', 'editor', 'language'), problem('VARIABLE_INVALID', 'reviewer', 'filter'),
    ],
  },
]
const sorted = (problems: MembershipProblem[]) => problems.map((p) => JSON.stringify(p)).sort()
for (const c of membershipCases)
  test(`validateMemberships: ${c.name} -> ${c.problems.map((p) => p.code).join(', ') || 'valid'}`, () =>
    assert.deepEqual(sorted(validateMemberships(projectAcl, c.memberships)), sorted(c.problems)))

const normaliseCases: { name: string; given: Membership[]; normalised: Membership[] }[] = [
  { name: 'a role given twice: the first wins', given: [m('editor', { language: ['cs'] }), m('admin'), m('editor', { language: ['en'] })], normalised: [m('editor', { language: ['cs'] }), m('admin')] },
  { name: 'a variable given twice: values merged', given: [{ role: 'editor', variables: [{ name: 'language', values: ['cs'] }, { name: 'language', values: ['en'] }] }], normalised: [m('editor', { language: ['cs', 'en'] })] },
  { name: 'a value given twice: kept once', given: [{ role: 'editor', variables: [{ name: 'language', values: ['cs', 'cs', 'en'] }, { name: 'language', values: ['en'] }] }], normalised: [m('editor', { language: ['cs', 'en'] })] },
  { name: 'distinct roles and variables: unchanged', given: [m('editor', { language: ['cs'], site: ['a'] }), m('admin')], normalised: [m('editor', { language: ['cs'], site: ['a'] }), m('admin')] },
]
for (const c of normaliseCases)
  test(`normaliseMemberships: ${c.name}`, () => assert.deepEqual(normaliseMemberships(c.given), c.normalised))

// The caller's role `lead` (own variable `language`) carries the tenant rules under test; a
// second caller role `helper` has its own rules in the several-memberships rows.
function aclWith(tenant: { lead?: TenantRules; helper?: TenantRules }): ProjectAcl {
  return parsed({ acl: { roles: {
    lead: { variables: { language }, tenant: tenant.lead ?? {} },
    helper: { tenant: tenant.helper ?? {} },
    editor: { variables: { language, site: { type: 'entity', entityName: 'Site' } } },
    viewer: {},
  } } })
}
const lead = m('lead', { language: ['cs', 'en'] })
const byLanguage = { editor: { variables: { language: 'language' } } }
const touchCases: { name: string; caller?: Membership[]; tenant: { lead?: TenantRules; helper?: TenantRules }; action?: TenantAction; target: Membership; allowed: boolean }[] = [
  { name: 'rule names the role with true', tenant: { lead: { manage: { editor: true } } }, target: m('editor', { language: ['de'], site: ['a'] }), allowed: true },
  { name: 'role not named', tenant: { lead: { manage: { viewer: true } } }, target: m('editor', { language: ['cs'] }), allowed: false },
  { name: 'a target role named like an inherited property', tenant: { lead: { manage: { editor: true } } }, target: m('hasOwnProperty'), allowed: false },
  { name: 'a target variable named like an inherited property', tenant: { lead: { manage: byLanguage } }, target: m('editor', { constructor: ['x'] }), allowed: false },
  { name: 'no rules at all', tenant: {}, target: m('viewer'), allowed: false },
  { name: '{ variables: true }', tenant: { lead: { manage: { editor: { variables: true } } } }, target: m('editor', { language: ['de'], site: ['a'] }), allowed: true },
  { name: 'per-variable true for each variable', tenant: { lead: { manage: { editor: { variables: { language: true, site: true } } } } }, target: m('editor', { language: ['de'], site: ['a'] }), allowed: true },
  { name: 'target values a subset of the caller\'s', tenant: { lead: { manage: byLanguage } }, target: m('editor', { language: ['cs'] }), allowed: true },
  { name: 'target values equal to the caller\'s', tenant: { lead: { manage: byLanguage } }, target: m('editor', { language: ['en', 'cs'] }), allowed: true },
  { name: 'target values a superset of the caller\'s', tenant: { lead: { manage: byLanguage } }, target: m('editor', { language: ['cs', 'en', 'de'] }), allowed: false },
  { name: 'target values disjoint from the caller\'s', tenant: { lead: { manage: byLanguage } }, target: m('editor', { language: ['de'] }), allowed: false },
  { name: 'rule names a variable the caller does not have', tenant: { lead: { manage: { editor: { variables: { language: 'region' } } } } }, target: m('editor', { language: ['cs'] }), allowed: false },
  { name: 'target has a variable the rule does not name', tenant: { lead: { manage: { editor: { variables: { language: true } } } } }, target: m('editor', { language: ['cs'], site: ['a'] }), allowed: false },
  { name: 'target without variables under a per-variable rule', tenant: { lead: { manage: byLanguage } }, target: m('editor'), allowed: true },
  { name: 'several memberships, only the second covers', caller: [lead, m('helper')], tenant: { lead: { manage: { viewer: true } }, helper: { manage: { editor: true } } }, target: m('editor', { language: ['de'] }), allowed: true },
  { name: 'several memberships, only the first covers', caller: [lead, m('helper')], tenant: { lead: { manage: byLanguage }, helper: { manage: { viewer: true } } }, target: m('editor', { language: ['cs'] }), allowed: true },
  { name: 'several memberships, none covers', caller: [lead, m('helper')], tenant: { lead: { manage: byLanguage }, helper: { manage: { viewer: true } } }, target: m('editor', { language: ['de'] }), allowed: false },
  { name: 'no memberships', caller: [], tenant: { lead: { manage: { editor: true } } }, target: m('editor'), allowed: false },
  { name: 'a membership of an unknown role', caller: [m('ghost')], tenant: { lead: { manage: { editor: true } } }, target: m('editor'), allowed: false },
  { name: 'view follows from manage', tenant: { lead: { manage: byLanguage } }, action: 'view', target: m('editor', { language: ['en'] }), allowed: true },
  { name: 'view from its own rule', tenant: { lead: { view: { viewer: true } } }, action: 'view', target: m('viewer'), allowed: true },
  { name: 'view and manage rules both count for view', tenant: { lead: { view: { viewer: true }, manage: { editor: true } } }, action: 'view', target: m('editor'), allowed: true },
  { name: 'view alone does not give manage', tenant: { lead: { view: { editor: true } } }, target: m('editor'), allowed: false },
  { name: 'invite: true means the manage rule', tenant: { lead: { invite: true, manage: byLanguage } }, action: 'invite', target: m('editor', { language: ['cs'] }), allowed: true },
  { name: 'invite: true, bounded as the manage rule', tenant: { lead: { invite: true, manage: byLanguage } }, action: 'invite', target: m('editor', { language: ['de'] }), allowed: false },
  { name: 'invite: true without a manage rule', tenant: { lead: { invite: true } }, action: 'invite', target: m('editor'), allowed: false },
  { name: 'invite: false', tenant: { lead: { invite: false, manage: { editor: true } } }, action: 'invite', target: m('editor'), allowed: false },
  { name: 'no invite rule, though manage covers', tenant: { lead: { manage: { editor: true } } }, action: 'invite', target: m('editor'), allowed: false },
  { name: 'invite with its own rule', tenant: { lead: { invite: { viewer: true }, manage: { editor: true } } }, action: 'invite', target: m('viewer'), allowed: true },
  { name: 'invite with its own rule, not the manage rule', tenant: { lead: { invite: { viewer: true }, manage: { editor: true } } }, action: 'invite', target: m('editor'), allowed: false },
  { name: 'unmanagedInvite: true means the manage rule', tenant: { lead: { unmanagedInvite: true, manage: { editor: true } } }, action: 'unmanagedInvite', target: m('editor'), allowed: true },
  { name: 'unmanagedInvite: true without a manage rule', tenant: { lead: { unmanagedInvite: true } }, action: 'unmanagedInvite', target: m('editor'), allowed: false },
  { name: 'unmanagedInvite with its own rule', tenant: { lead: { unmanagedInvite: { viewer: true }, manage: { editor: true } } }, action: 'unmanagedInvite', target: m('viewer'), allowed: true },
  { name: 'unmanagedInvite with its own rule, not the manage rule', tenant: { lead: { unmanagedInvite: { viewer: true }, manage: { editor: true } } }, action: 'unmanagedInvite', target: m('editor'), allowed: false },
  { name: 'invite does not give unmanagedInvite', tenant: { lead: { invite: true, manage: { editor: true } } }, action: 'unmanagedInvite', target: m('editor'), allowed: false },
]
for (const c of touchCases)
  test(`mayTouchMembership ${c.action ?? 'manage'}: ${c.name} -> ${c.allowed ? 'allowed' : 'denied'}`, () =>
    assert.equal(mayTouchMembership(aclWith(c.tenant), c.caller ?? [lead], c.action ?? 'manage', c.target), c.allowed))

const ruleCases: { tenant: TenantRules; action: TenantAction; has: boolean }[] = [
  { tenant: {}, action: 'manage', has: false },
  { tenant: { manage: {} }, action: 'manage', has: true },
  { tenant: { manage: { editor: true } }, action: 'view', has: true },
  { tenant: { view: { editor: true } }, action: 'manage', has: false },
  { tenant: { invite: true }, action: 'invite', has: false },
  { tenant: { invite: true, manage: { editor: true } }, action: 'invite', has: true },
  { tenant: { unmanagedInvite: { viewer: true } }, action: 'unmanagedInvite', has: true },
]
for (const c of ruleCases)
  test(`hasTenantRule ${c.action} under ${JSON.stringify(c.tenant)} -> ${c.has}`, () =>
    assert.equal(hasTenantRule(aclWith({ lead: c.tenant }), [lead], c.action), c.has))

// The reference puts no pattern on role and variable names; only their length is bounded here.
for (const role of ['chief-editor', '1st_editor', 'Editor.EN', 'rédacteur', 'a b']) {
  test(`parseProjectAcl accepts the role name ${JSON.stringify(role)}`, () => {
    const result = parseProjectAcl({ acl: { roles: { [role]: { variables: { [`${role}_lang`]: { type: 'entity', entityName: 'Language' } } } } } })
    assert.equal(result.ok, true, JSON.stringify(result))
  })
}
test('parseProjectAcl refuses a role name over 100 characters', () => {
  assert.equal(parseProjectAcl({ acl: { roles: { ['r'.repeat(101)]: {} } } }).ok, false)
})
