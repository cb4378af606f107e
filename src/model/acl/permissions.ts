// Who may call what, by global role (BEHAVIOUR.md, "Global roles and what they may do").
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

const byRole: Record<string, ReadonlySet<Action>> = {
  login: new Set<Action>(['signIn']),
  person: new Set<Action>(['signOut', 'changeMyPassword', 'changeMyProfile', 'manageMyOtp']),
  project_admin: new Set<Action>([
    'signUp', 'createSessionToken', 'changePassword', 'changeProfile', 'disablePerson',
    'viewPersons', 'viewConfiguration', 'configure',
    'createGlobalApiKey', 'viewGlobalApiKeys', 'disableApiKey', 'changeGlobalRoles',
  ]),
  project_creator: new Set<Action>(['createProject']),
}

// updateProject (and setProjectSecret) are for super admins only, as in the reference: they
// change what every member of the project gets.

export function may(roles: readonly string[], action: Action): boolean {
  if (action === 'me') return true
  if (roles.includes('super_admin')) return true
  return roles.some((role) => byRole[role]?.has(action) ?? false)
}

// A project admin may hand out and take back only these global roles.
const rolesProjectAdminMayAssign = new Set(['login', 'project_admin', 'entrypoint_deployer'])

export function mayAssignGlobalRoles(callerRoles: readonly string[], roles: readonly string[]): boolean {
  if (callerRoles.includes('super_admin')) return true
  if (!callerRoles.includes('project_admin')) return false
  return roles.every((role) => rolesProjectAdminMayAssign.has(role))
}

// Acting on a person (sign in as them, change their password or profile, disable them) is
// open to a project admin only when the person holds no role stronger than theirs.
const protectedRoles = ['super_admin', 'project_creator']

export function mayActOnPerson(callerRoles: readonly string[], targetRoles: readonly string[]): boolean {
  if (callerRoles.includes('super_admin')) return true
  if (!callerRoles.includes('project_admin')) return false
  return !targetRoles.some((role) => protectedRoles.includes(role))
}
