// Who may call what, by global role (README, "Who may do what").
// Pure: the resolvers ask, the tests walk the whole table.

export type Action =
  | 'signIn'
  | 'signUp'
  | 'me'
  | 'signOut'
  | 'changeMyPassword'
  | 'changeMyProfile'
  | 'manageMyOtp'
  | 'createSessionToken'
  | 'changePassword'
  | 'changeProfile'
  | 'disablePerson'
  | 'viewPersons'
  | 'viewConfiguration'
  | 'configure'
  | 'createProject'
  | 'updateProject'
  | 'createGlobalApiKey'
  | 'viewGlobalApiKeys'
  | 'disableApiKey'
  | 'changeGlobalRoles'
  | 'createResetPasswordRequest'
  | 'resetPassword'
  | 'manageMailTemplates'
  | 'listMailTemplates'
  | 'signInPasswordless'
  | 'togglePasswordless'
  | 'verifyEmail'
  | 'forceSignOut'
  | 'viewAuthLog'
  | 'resetPersonMfa'
  | 'manageAuthPolicies'
  | 'manageIdentityProviders'
  | 'signInIdp'
  | 'disconnectMyIdp'

const byRole: Record<string, ReadonlySet<Action>> = {
  // The login token is public: it may start and finish the flows of people who cannot sign in.
  login: new Set<Action>(['signIn', 'createResetPasswordRequest', 'resetPassword', 'signInPasswordless', 'verifyEmail', 'signInIdp']),
  person: new Set<Action>(['signOut', 'changeMyPassword', 'changeMyProfile', 'manageMyOtp', 'togglePasswordless', 'disconnectMyIdp']),
  project_admin: new Set<Action>([
    'signUp', 'createSessionToken', 'changePassword', 'changeProfile', 'disablePerson',
    'viewPersons', 'viewConfiguration', 'configure',
    'createGlobalApiKey', 'viewGlobalApiKeys', 'disableApiKey', 'changeGlobalRoles',
    'manageMailTemplates', 'listMailTemplates', 'forceSignOut', 'resetPersonMfa', 'manageAuthPolicies', 'manageIdentityProviders',
  ]),
  project_creator: new Set<Action>(['createProject']),
}

// Forbidden messages as the reference words them ("You are not allowed to sign up").
const verbs: Record<Action, string> = {
  signIn: 'sign in',
  signUp: 'sign up',
  me: 'view yourself',
  signOut: 'sign out',
  changeMyPassword: 'change your password',
  changeMyProfile: 'change your profile',
  manageMyOtp: 'setup a OTP',
  createSessionToken: 'create a session key',
  changePassword: 'change password',
  changeProfile: 'change a profile',
  disablePerson: 'disable person account',
  viewPersons: 'view persons',
  viewConfiguration: 'view configuration',
  configure: 'configure',
  createProject: 'create a project',
  updateProject: 'update a project',
  createGlobalApiKey: 'create a global API key',
  viewGlobalApiKeys: 'view global API keys',
  disableApiKey: 'disable api key',
  changeGlobalRoles: 'change global roles',
  createResetPasswordRequest: 'initialize reset password request',
  resetPassword: 'reset password',
  manageMailTemplates: 'add a mail template',
  listMailTemplates: 'list mail templates',
  signInPasswordless: 'sign in using passwordless',
  togglePasswordless: 'enable passwordless',
  verifyEmail: 'verify an e-mail address',
  forceSignOut: 'force sign out a person',
  viewAuthLog: 'view the audit log',
  resetPersonMfa: 'reset MFA for this person',
  manageAuthPolicies: 'manage auth policies',
  manageIdentityProviders: 'manage identity providers',
  signInIdp: 'sign in through an identity provider',
  disconnectMyIdp: 'disconnect your identity provider',
}

/** "You are not allowed to …", as the reference words it for `action`. */
export const forbiddenMessage = (action: Action, detail = '') => `You are not allowed to ${verbs[action]}${detail}`

// updateProject (and setProjectSecret) are for super admins only, as in the reference: they
// change what every member of the project gets.

export function may(roles: readonly string[], action: Action): boolean {
  if (action === 'me') return true
  if (roles.includes('super_admin')) return true
  // Own properties only: a role named "constructor" must not find Object's.
  return roles.some((role) => Object.hasOwn(byRole, role) && byRole[role]!.has(action))
}

// A project admin may hand out and take back only these global roles.
const rolesProjectAdminMayAssign = new Set(['login', 'project_admin', 'entrypoint_deployer'])

export function mayAssignGlobalRoles(callerRoles: readonly string[], roles: readonly string[]): boolean {
  if (callerRoles.includes('super_admin')) return true
  if (!callerRoles.includes('project_admin')) return false
  return roles.every((role) => rolesProjectAdminMayAssign.has(role))
}

// Acting on an identity or its person (sign in as them, change their password, profile or global
// roles, disable them or their keys) is open only when the caller could have granted every
// global role the target holds: otherwise acting as the target (createSessionToken) or taking
// over its credentials would reach rights the caller does not have (`introspector`, say).
// `person` follows from having a person and is no right of its own.
export function mayActOnIdentity(callerRoles: readonly string[], targetRoles: readonly string[]): boolean {
  if (callerRoles.includes('super_admin')) return true
  if (!callerRoles.includes('project_admin')) return false
  return targetRoles.every((role) => role === 'person' || rolesProjectAdminMayAssign.has(role))
}
