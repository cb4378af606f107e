// What global roles allow outside any one project (Identity.permissions). The same table as the
// reference: observed there, project_admin may deploy entrypoints but not create projects.

const canCreateProjectRoles = new Set(['super_admin', 'project_creator'])
const canDeployEntrypointRoles = new Set(['super_admin', 'project_admin', 'entrypoint_deployer'])

export interface GlobalPermissions {
  canCreateProject: boolean
  canDeployEntrypoint: boolean
}

export function globalPermissions(roles: readonly string[]): GlobalPermissions {
  return {
    canCreateProject: roles.some((role) => canCreateProjectRoles.has(role)),
    canDeployEntrypoint: roles.some((role) => canDeployEntrypointRoles.has(role)),
  }
}
