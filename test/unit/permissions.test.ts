import assert from 'node:assert/strict'
import { test } from 'node:test'
import { may, mayActOnIdentity, mayAssignGlobalRoles, type Action } from '../../src/model/acl/permissions.js'

// README, "Who may do what". Every row names every action (the type
// makes a missing one a compile error), so a new action needs a decision here for each role.
const table: { roles: string[]; allowed: Record<Action, boolean> }[] = [
  {
    roles: [],
    allowed: {
      signIn: false, signUp: false, me: true, signOut: false, changeMyPassword: false, changeMyProfile: false,
      manageMyOtp: false, createSessionToken: false, changePassword: false, changeProfile: false,
      disablePerson: false, viewPersons: false, viewConfiguration: false, configure: false,
      createProject: false, updateProject: false, createGlobalApiKey: false, viewGlobalApiKeys: false, disableApiKey: false, changeGlobalRoles: false,
      createResetPasswordRequest: false, resetPassword: false, manageMailTemplates: false, listMailTemplates: false,
      signInPasswordless: false, togglePasswordless: false, verifyEmail: false, forceSignOut: false, viewAuthLog: false,
      resetPersonMfa: false, manageAuthPolicies: false,
      manageIdentityProviders: false, signInIdp: false, disconnectMyIdp: false,
    },
  },
  {
    roles: ['login'],
    allowed: {
      signIn: true, signUp: false, me: true, signOut: false, changeMyPassword: false, changeMyProfile: false,
      manageMyOtp: false, createSessionToken: false, changePassword: false, changeProfile: false,
      disablePerson: false, viewPersons: false, viewConfiguration: false, configure: false,
      createProject: false, updateProject: false, createGlobalApiKey: false, viewGlobalApiKeys: false, disableApiKey: false, changeGlobalRoles: false,
      createResetPasswordRequest: true, resetPassword: true, manageMailTemplates: false, listMailTemplates: false,
      signInPasswordless: true, togglePasswordless: false, verifyEmail: true, forceSignOut: false, viewAuthLog: false,
      resetPersonMfa: false, manageAuthPolicies: false,
      manageIdentityProviders: false, signInIdp: true, disconnectMyIdp: false,
    },
  },
  {
    roles: ['person'],
    allowed: {
      signIn: false, signUp: false, me: true, signOut: true, changeMyPassword: true, changeMyProfile: true,
      manageMyOtp: true, createSessionToken: false, changePassword: false, changeProfile: false,
      disablePerson: false, viewPersons: false, viewConfiguration: false, configure: false,
      createProject: false, updateProject: false, createGlobalApiKey: false, viewGlobalApiKeys: false, disableApiKey: false, changeGlobalRoles: false,
      createResetPasswordRequest: false, resetPassword: false, manageMailTemplates: false, listMailTemplates: false,
      signInPasswordless: false, togglePasswordless: true, verifyEmail: false, forceSignOut: false, viewAuthLog: false,
      resetPersonMfa: false, manageAuthPolicies: false,
      manageIdentityProviders: false, signInIdp: false, disconnectMyIdp: true,
    },
  },
  {
    roles: ['project_admin'],
    allowed: {
      signIn: false, signUp: true, me: true, signOut: false, changeMyPassword: false, changeMyProfile: false,
      manageMyOtp: false, createSessionToken: true, changePassword: true, changeProfile: true,
      disablePerson: true, viewPersons: true, viewConfiguration: true, configure: true,
      createProject: false, updateProject: false, createGlobalApiKey: true, viewGlobalApiKeys: true, disableApiKey: true, changeGlobalRoles: true,
      createResetPasswordRequest: false, resetPassword: false, manageMailTemplates: true, listMailTemplates: true,
      signInPasswordless: false, togglePasswordless: false, verifyEmail: false, forceSignOut: true, viewAuthLog: false,
      resetPersonMfa: true, manageAuthPolicies: true,
      manageIdentityProviders: true, signInIdp: false, disconnectMyIdp: false,
    },
  },
  {
    roles: ['project_creator'],
    allowed: {
      signIn: false, signUp: false, me: true, signOut: false, changeMyPassword: false, changeMyProfile: false,
      manageMyOtp: false, createSessionToken: false, changePassword: false, changeProfile: false,
      disablePerson: false, viewPersons: false, viewConfiguration: false, configure: false,
      createProject: true, updateProject: false, createGlobalApiKey: false, viewGlobalApiKeys: false, disableApiKey: false, changeGlobalRoles: false,
      createResetPasswordRequest: false, resetPassword: false, manageMailTemplates: false, listMailTemplates: false,
      signInPasswordless: false, togglePasswordless: false, verifyEmail: false, forceSignOut: false, viewAuthLog: false,
      resetPersonMfa: false, manageAuthPolicies: false,
      manageIdentityProviders: false, signInIdp: false, disconnectMyIdp: false,
    },
  },
  {
    roles: ['super_admin'],
    allowed: {
      signIn: true, signUp: true, me: true, signOut: true, changeMyPassword: true, changeMyProfile: true,
      manageMyOtp: true, createSessionToken: true, changePassword: true, changeProfile: true,
      disablePerson: true, viewPersons: true, viewConfiguration: true, configure: true,
      createProject: true, updateProject: true, createGlobalApiKey: true, viewGlobalApiKeys: true, disableApiKey: true, changeGlobalRoles: true,
      createResetPasswordRequest: true, resetPassword: true, manageMailTemplates: true, listMailTemplates: true,
      signInPasswordless: true, togglePasswordless: true, verifyEmail: true, forceSignOut: true, viewAuthLog: true,
      resetPersonMfa: true, manageAuthPolicies: true,
      manageIdentityProviders: true, signInIdp: true, disconnectMyIdp: true,
    },
  },
  {
    roles: ['project_admin', 'person'],
    allowed: {
      signIn: false, signUp: true, me: true, signOut: true, changeMyPassword: true, changeMyProfile: true,
      manageMyOtp: true, createSessionToken: true, changePassword: true, changeProfile: true,
      disablePerson: true, viewPersons: true, viewConfiguration: true, configure: true,
      createProject: false, updateProject: false, createGlobalApiKey: true, viewGlobalApiKeys: true, disableApiKey: true, changeGlobalRoles: true,
      createResetPasswordRequest: false, resetPassword: false, manageMailTemplates: true, listMailTemplates: true,
      signInPasswordless: false, togglePasswordless: true, verifyEmail: false, forceSignOut: true, viewAuthLog: false,
      resetPersonMfa: true, manageAuthPolicies: true,
      manageIdentityProviders: true, signInIdp: false, disconnectMyIdp: true,
    },
  },
  {
    roles: ['unknown_role'],
    allowed: {
      signIn: false, signUp: false, me: true, signOut: false, changeMyPassword: false, changeMyProfile: false,
      manageMyOtp: false, createSessionToken: false, changePassword: false, changeProfile: false,
      disablePerson: false, viewPersons: false, viewConfiguration: false, configure: false,
      createProject: false, updateProject: false, createGlobalApiKey: false, viewGlobalApiKeys: false, disableApiKey: false, changeGlobalRoles: false,
      createResetPasswordRequest: false, resetPassword: false, manageMailTemplates: false, listMailTemplates: false,
      signInPasswordless: false, togglePasswordless: false, verifyEmail: false, forceSignOut: false, viewAuthLog: false,
      resetPersonMfa: false, manageAuthPolicies: false,
      manageIdentityProviders: false, signInIdp: false, disconnectMyIdp: false,
    },
  },
]

for (const row of table) {
  for (const [action, allowed] of Object.entries(row.allowed) as [Action, boolean][]) {
    test(`may: ${JSON.stringify(row.roles)} ${allowed ? 'may' : 'may not'} ${action}`, () => {
      assert.equal(may(row.roles, action), allowed)
    })
  }
}

const assigning: { caller: string[]; roles: string[]; allowed: boolean }[] = [
  // a super admin hands out anything, even roles nobody defined
  { caller: ['super_admin'], roles: [], allowed: true },
  { caller: ['super_admin'], roles: ['super_admin'], allowed: true },
  { caller: ['super_admin'], roles: ['project_creator', 'project_admin'], allowed: true },
  { caller: ['super_admin'], roles: ['made_up'], allowed: true },
  // a project admin only login, project_admin and entrypoint_deployer
  { caller: ['project_admin'], roles: [], allowed: true },
  { caller: ['project_admin'], roles: ['login'], allowed: true },
  { caller: ['project_admin'], roles: ['project_admin'], allowed: true },
  { caller: ['project_admin'], roles: ['entrypoint_deployer'], allowed: true },
  { caller: ['project_admin'], roles: ['login', 'project_admin', 'entrypoint_deployer'], allowed: true },
  { caller: ['project_admin'], roles: ['super_admin'], allowed: false },
  { caller: ['project_admin'], roles: ['project_creator'], allowed: false },
  { caller: ['project_admin'], roles: ['person'], allowed: false },
  { caller: ['project_admin'], roles: ['login', 'super_admin'], allowed: false },
  { caller: ['project_admin'], roles: ['made_up'], allowed: false },
  { caller: ['person', 'project_admin'], roles: ['login'], allowed: true },
  // nobody else, not even an empty list
  { caller: [], roles: [], allowed: false },
  { caller: [], roles: ['login'], allowed: false },
  { caller: ['login'], roles: ['login'], allowed: false },
  { caller: ['person'], roles: [], allowed: false },
  { caller: ['project_creator'], roles: ['login'], allowed: false },
  { caller: ['entrypoint_deployer'], roles: ['entrypoint_deployer'], allowed: false },
]

for (const c of assigning) {
  test(`mayAssignGlobalRoles: ${JSON.stringify(c.caller)} ${c.allowed ? 'may' : 'may not'} assign ${JSON.stringify(c.roles)}`, () => {
    assert.equal(mayAssignGlobalRoles(c.caller, c.roles), c.allowed)
  })
}

// mayActOnIdentity: a super admin acts on anyone, a project admin on anyone without a stronger
// role than it may grant, nobody else on anybody (whether the action itself is allowed is `may`'s question).
const acting: { caller: string[]; target: string[]; allowed: boolean }[] = [
  { caller: ['super_admin'], target: [], allowed: true },
  { caller: ['super_admin'], target: ['super_admin'], allowed: true },
  { caller: ['super_admin'], target: ['project_creator'], allowed: true },
  { caller: ['super_admin'], target: ['person', 'super_admin', 'project_creator'], allowed: true },
  { caller: ['project_admin'], target: [], allowed: true },
  { caller: ['project_admin'], target: ['person'], allowed: true },
  { caller: ['project_admin'], target: ['person', 'login'], allowed: true },
  { caller: ['project_admin'], target: ['project_admin'], allowed: true },
  { caller: ['project_admin'], target: ['entrypoint_deployer'], allowed: true },
  { caller: ['project_admin'], target: ['super_admin'], allowed: false },
  { caller: ['project_admin'], target: ['project_creator'], allowed: false },
  { caller: ['project_admin'], target: ['person', 'super_admin'], allowed: false },
  { caller: ['project_admin'], target: ['person', 'project_admin', 'project_creator'], allowed: false },
  { caller: ['project_admin', 'person'], target: ['super_admin'], allowed: false },
  { caller: ['project_admin', 'project_creator'], target: ['project_creator'], allowed: false },
  { caller: ['person'], target: ['person'], allowed: false },
  { caller: ['project_admin'], target: ['person', 'introspector'], allowed: false },
  { caller: ['project_admin'], target: ['self'], allowed: false },
  { caller: ['project_admin'], target: ['project_member'], allowed: false },
  { caller: ['project_admin'], target: ['constructor'], allowed: false },
  { caller: ['project_admin'], target: ['person', 'login', 'project_admin', 'entrypoint_deployer'], allowed: true },
  { caller: ['super_admin'], target: ['introspector', 'constructor'], allowed: true },
  { caller: ['login'], target: [], allowed: false },
  { caller: ['person'], target: ['super_admin'], allowed: false },
]

for (const c of acting) {
  test(`mayActOnIdentity: ${JSON.stringify(c.caller)} ${c.allowed ? 'may' : 'may not'} act on ${JSON.stringify(c.target)}`, () => {
    assert.equal(mayActOnIdentity(c.caller, c.target), c.allowed)
  })
}

// Role names come from users: a name that is also a property every object inherits must not
// find it (a global role "constructor" once made every request of its holder a 500).
for (const role of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
  test(`may: a role named ${role} allows nothing but me`, () => {
    for (const action of Object.keys(table[0]!.allowed) as Action[]) assert.equal(may([role], action), action === 'me', action)
  })
}
