import { me } from './identity/me.js'
import { withOutcomes } from './outcomes.js'
import { Identity, identityLoaders } from './identity/Identity.js'
import { signUp } from './persons/signUp.js'
import { changeProfile } from './persons/changeProfile.js'
import { changeMyProfile } from './persons/changeMyProfile.js'
import { changePassword } from './persons/changePassword.js'
import { changeMyPassword } from './persons/changeMyPassword.js'
import { disablePerson } from './persons/disablePerson.js'
import { personById } from './persons/personById.js'
import { persons } from './persons/persons.js'
import { signIn } from './sessions/signIn.js'
import { createSessionToken } from './sessions/createSessionToken.js'
import { signOut } from './sessions/signOut.js'
import { revokeSession } from './sessions/revokeSession.js'
import { forceSignOutPerson } from './sessions/forceSignOutPerson.js'
import { prepareOtp } from './otp/prepareOtp.js'
import { confirmOtp } from './otp/confirmOtp.js'
import { disableOtp } from './otp/disableOtp.js'
import { configuration, ConfigPasswordless } from './config/configuration.js'
import { configure } from './config/configure.js'
import { projects } from './projects/projects.js'
import { projectBySlug } from './projects/projectBySlug.js'
import { projectMemberships } from './projects/projectMemberships.js'
import { Project, RoleVariableDefinition } from './projects/Project.js'
import { createProject } from './projects/createProject.js'
import { updateProject } from './projects/updateProject.js'
import { setProjectSecret } from './projects/setProjectSecret.js'
import { addProjectMember } from './memberships/addProjectMember.js'
import { updateProjectMember } from './memberships/updateProjectMember.js'
import { removeProjectMember } from './memberships/removeProjectMember.js'
import { createApiKey } from './api-keys/createApiKey.js'
import { createGlobalApiKey } from './api-keys/createGlobalApiKey.js'
import { disableApiKey } from './api-keys/disableApiKey.js'
import { globalApiKeys } from './api-keys/globalApiKeys.js'
import { ApiKey } from './api-keys/ApiKey.js'
import { addGlobalIdentityRoles } from './identities/addGlobalIdentityRoles.js'
import { removeGlobalIdentityRoles } from './identities/removeGlobalIdentityRoles.js'
import { Json, DateTime, Interval } from './scalars.js'
import { withInputLimits } from './inputLimits.js'
import { mailTemplates } from './mail/mailTemplates.js'
import { authLog } from './authLog/authLog.js'
import { invite, unmanagedInvite } from './memberships/invite.js'
import { createResetPasswordRequest } from './passwordReset/createResetPasswordRequest.js'
import { resetPassword } from './passwordReset/resetPassword.js'
import { checkResetPasswordToken } from './passwordReset/checkResetPasswordToken.js'
import { requestEmailVerification, verifyEmail, confirmEmailChange } from './emailVerification/emailVerification.js'
import { initSignInPasswordless, signInPasswordless, activatePasswordlessOtp, enableMyPasswordless, disableMyPasswordless } from './passwordless/passwordless.js'
import { addMailTemplate } from './mail/addMailTemplate.js'
import { removeMailTemplate } from './mail/removeMailTemplate.js'
import { regenerateBackupCodes, initEmailOtp, confirmEmailOtp, disableEmailOtp, resetPersonMfa } from './mfa/mfa.js'
import { authPolicies, createAuthPolicy, updateAuthPolicy, deleteAuthPolicy } from './authPolicies/authPolicies.js'
import { identityProviders, addIDP, updateIDP, disableIDP, enableIDP, initSignInIDP, signInIDP, disconnectMyIdentityProvider } from './idp/idp.js'

// The one place that says which resolver answers which field.
export const resolvers = {
  Json,
  DateTime,
  Interval,
  // Every argument is bounded before a resolver sees it (inputLimits.ts).
  // How each root field ended is counted for the metrics (outcomes.ts).
  Query: withOutcomes('query', withInputLimits({ me, personById, persons, configuration, projects, projectBySlug, projectMemberships, globalApiKeys, mailTemplates, checkResetPasswordToken, authLog, authPolicies, identityProviders })),
  Mutation: withOutcomes('mutation', withInputLimits({
    signUp, signIn, createSessionToken, signOut, revokeSession, forceSignOutPerson,
    changeProfile, changeMyProfile, changePassword, changeMyPassword, disablePerson,
    prepareOtp, confirmOtp, disableOtp, regenerateBackupCodes, initEmailOtp, confirmEmailOtp, disableEmailOtp, resetPersonMfa,
    createAuthPolicy, updateAuthPolicy, deleteAuthPolicy,
    addIDP, updateIDP, disableIDP, enableIDP, initSignInIDP, signInIDP, disconnectMyIdentityProvider,
    configure,
    createProject, updateProject, setProjectSecret,
    addProjectMember, updateProjectMember, removeProjectMember,
    createApiKey, createGlobalApiKey, disableApiKey,
    addGlobalIdentityRoles, removeGlobalIdentityRoles,
    addMailTemplate, removeMailTemplate,
    invite, unmanagedInvite,
    createResetPasswordRequest, resetPassword,
    initSignInPasswordless, signInPasswordless, activatePasswordlessOtp, enableMyPasswordless, disableMyPasswordless,
    requestEmailVerification, verifyEmail, confirmEmailChange,
    // Deprecated names of the same operations.
    addProjectMailTemplate: addMailTemplate, removeProjectMailTemplate: removeMailTemplate,
  }, { longStrings: ['template.content'] })),
  Project: { ...Project, ...withInputLimits({ members: Project.members }) },
  RoleVariableDefinition,
  ConfigPasswordless,
  ApiKey,
  Identity,
}

export const loaders = {
  ...identityLoaders,
}
