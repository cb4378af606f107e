import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mayDisableKeyOf, type KeyOwner } from '../../src/model/api-keys/disableApiKey.js'
import { mayChangeGlobalRolesOf } from '../../src/model/identities/globalRoles.js'
import { identityPermissions, identityRoles, type Viewer } from '../../src/model/identities/identityReads.js'
import { parseProjectAcl, type Membership } from '../../src/model/acl/projectAcl.js'
import { projectAdminDecision, projectViewDecision, type ProjectAccess } from '../../src/model/projects/projectAccess.js'

// The authorization rules the use cases apply, as tables of caller × target × decision. The
// HTTP tables (test/http/permissions.test.ts, project-permissions.test.ts) show the same rules
// through the API; these name each rule and test it without a server.

const owner = (o: Partial<KeyOwner>): KeyOwner => ({ roles: [], hasPerson: false, projectsAdministered: [], ...o })

const disableCases: { caller: string[]; owner: KeyOwner; allowed: boolean; why: string }[] = [
  { caller: ['super_admin'], owner: owner({ roles: ['super_admin'] }), allowed: true, why: 'a super admin disables any key' },
  { caller: ['project_admin'], owner: owner({ roles: ['login'] }), allowed: true, why: 'a global project admin, a key with a role it may grant' },
  { caller: ['project_admin'], owner: owner({ roles: ['super_admin'] }), allowed: false, why: 'a global project admin, a super admin\'s key' },
  { caller: ['project_admin'], owner: owner({ roles: ['introspector'] }), allowed: false, why: 'a global project admin, an introspector\'s key' },
  { caller: ['project_admin'], owner: owner({ hasPerson: true, roles: ['person'] }), allowed: true, why: 'a global project admin, a plain person\'s key' },
  { caller: ['person'], owner: owner({ projectsAdministered: [true] }), allowed: true, why: 'an admin of the only project the application is in' },
  { caller: ['person'], owner: owner({ projectsAdministered: [true, true] }), allowed: true, why: 'an admin of every project the application is in' },
  { caller: ['person'], owner: owner({ projectsAdministered: [true, false] }), allowed: false, why: 'the application is also in a project it does not administer' },
  { caller: ['person'], owner: owner({ projectsAdministered: [] }), allowed: false, why: 'an application in no project' },
  { caller: ['person'], owner: owner({ hasPerson: true, projectsAdministered: [true] }), allowed: false, why: 'a person\'s key' },
  { caller: ['person'], owner: owner({ roles: ['login'], projectsAdministered: [true] }), allowed: false, why: 'an application with global roles' },
  { caller: [], owner: owner({ projectsAdministered: [false] }), allowed: false, why: 'nobody in particular' },
]
for (const c of disableCases) {
  test(`disableApiKey rule: ${c.why} → ${c.allowed ? 'allowed' : 'refused'}`, () => assert.equal(mayDisableKeyOf(c.caller, c.owner), c.allowed))
}

const globalRoleCases: { caller: string[]; roles: string[]; target: string[]; bootstrap?: boolean; allowed: boolean }[] = [
  { caller: ['super_admin'], roles: ['project_creator'], target: ['person'], allowed: true },
  { caller: ['super_admin'], roles: ['login'], target: ['login'], bootstrap: true, allowed: false },
  { caller: ['project_admin'], roles: ['login', 'entrypoint_deployer'], target: ['person'], allowed: true },
  { caller: ['project_admin'], roles: ['project_creator'], target: ['person'], allowed: false },
  { caller: ['project_admin'], roles: ['login'], target: ['person', 'project_creator'], allowed: false },
  { caller: ['project_admin'], roles: ['login'], target: ['introspector'], allowed: false },
  { caller: ['project_admin'], roles: ['project_admin'], target: ['login'], bootstrap: true, allowed: false },
  { caller: ['person'], roles: ['login'], target: [], allowed: false },
  { caller: ['login'], roles: ['login'], target: [], allowed: false },
]
for (const c of globalRoleCases) {
  test(`global roles rule: ${c.caller} gives/takes ${c.roles} on ${JSON.stringify(c.target)}${c.bootstrap ? ' (a special token)' : ''} → ${c.allowed ? 'allowed' : 'refused'}`, () =>
    assert.equal(mayChangeGlobalRolesOf(c.caller, c.roles, { roles: c.target, bootstrap: c.bootstrap ?? false }), c.allowed))
}

const acl = parseProjectAcl({ acl: { roles: { editor: { tenant: { view: { editor: true } } } } } })
if (!acl.ok) throw new Error(acl.message)
const access = (callerRoles: string[], callerMemberships: Membership[]): ProjectAccess =>
  ({ project: { id: 'p', slug: 'blog', name: 'Blog', config: {} }, acl: acl.acl, callerRoles, callerMemberships })
const member = (role: string): Membership[] => [{ role, variables: [] }]

const projectCases: { caller: string; roles: string[]; memberships: Membership[] | null; admin: string; view: string }[] = [
  { caller: 'a super admin, unknown project', roles: ['super_admin'], memberships: null, admin: 'PROJECT_NOT_FOUND', view: 'PROJECT_NOT_FOUND' },
  { caller: 'a global project admin, unknown project', roles: ['project_admin'], memberships: null, admin: 'PROJECT_NOT_FOUND', view: 'PROJECT_NOT_FOUND' },
  { caller: 'a person, unknown project', roles: ['person'], memberships: null, admin: 'FORBIDDEN', view: 'FORBIDDEN' },
  { caller: 'a super admin, no membership', roles: ['super_admin'], memberships: [], admin: 'ok', view: 'ok' },
  { caller: 'a global project admin, no membership', roles: ['project_admin'], memberships: [], admin: 'ok', view: 'ok' },
  { caller: 'the project\'s admin member', roles: ['person'], memberships: member('admin'), admin: 'ok', view: 'ok' },
  { caller: 'an editor member', roles: ['person'], memberships: member('editor'), admin: 'FORBIDDEN', view: 'ok' },
  { caller: 'a person who is no member', roles: ['person'], memberships: [], admin: 'FORBIDDEN', view: 'FORBIDDEN' },
  { caller: 'the login token', roles: ['login'], memberships: [], admin: 'FORBIDDEN', view: 'FORBIDDEN' },
]
for (const c of projectCases) {
  test(`project rules: ${c.caller} → admin operations ${c.admin}, member operations ${c.view}`, () => {
    const a = c.memberships === null ? null : access(c.roles, c.memberships)
    assert.equal(projectAdminDecision(c.roles, a), c.admin)
    assert.equal(projectViewDecision(c.roles, a), c.view)
  })
}

const viewer = (roles: string[], self: string[] = []): Viewer => ({
  roles, seesAsSelf: (id) => self.includes(id), accessTo: () => Promise.reject(new Error('not needed')),
})
const row = { id: 'i', description: null, roles: ['project_creator'], personId: 'p' }
const roleCases: { viewer: Viewer; why: string; roles: string[] | null }[] = [
  { viewer: viewer(['person'], ['i']), why: 'the identity itself', roles: ['project_creator', 'person'] },
  { viewer: viewer(['login'], ['i']), why: 'the login token, for the person it just signed in', roles: ['project_creator', 'person'] },
  { viewer: viewer(['super_admin']), why: 'a super admin', roles: ['project_creator', 'person'] },
  { viewer: viewer(['project_admin']), why: 'a global project admin', roles: ['project_creator', 'person'] },
  { viewer: viewer(['person']), why: 'another person', roles: null },
  { viewer: viewer(['login']), why: 'the login token otherwise', roles: null },
]
for (const c of roleCases) {
  test(`Identity.roles rule: ${c.why} sees ${JSON.stringify(c.roles)}`, () => {
    assert.deepEqual(identityRoles(c.viewer, row), c.roles)
    assert.equal(identityPermissions(c.viewer, row) === null, c.roles === null)
  })
}
