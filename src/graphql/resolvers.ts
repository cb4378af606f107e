import { me } from './identity/me.js'
import { Identity, identityLoaders } from './identity/Identity.js'
import { signUp } from './persons/signUp.js'
import { changeProfile } from './persons/changeProfile.js'
import { changeMyProfile } from './persons/changeMyProfile.js'
import { changePassword } from './persons/changePassword.js'
import { changeMyPassword } from './persons/changeMyPassword.js'
import { disablePerson } from './persons/disablePerson.js'
import { personById, persons } from './persons/persons.js'
import { signIn } from './sessions/signIn.js'
import { createSessionToken } from './sessions/createSessionToken.js'
import { signOut } from './sessions/signOut.js'
import { prepareOtp, confirmOtp, disableOtp } from './otp/otp.js'
import { configuration, configure } from './config/config.js'
import { Json, DateTime, Interval } from './scalars.js'

// The one place that says which resolver answers which field.
export const resolvers = {
  Json,
  DateTime,
  Interval,
  Query: { me, personById, persons, configuration },
  Mutation: {
    signUp, signIn, createSessionToken, signOut,
    changeProfile, changeMyProfile, changePassword, changeMyPassword, disablePerson,
    prepareOtp, confirmOtp, disableOtp,
    configure,
  },
  Identity,
}

export const loaders = {
  ...identityLoaders,
}
