import type { Deps } from '../deps.js'
import { ok, type Result } from '../result.js'
import { setPendingOtp } from '../../db/queries/persons.js'
import type { Caller } from '../auth/authenticate.js'
import { otpOwner, type Proof } from './confirmPresence.js'
import { otpContext } from '../sessions/factors/totp.js'
import { newOtpSecret, otpUri } from './totp.js'

/**
 * Makes a new TOTP secret for the person and returns it (and its otpauth:// URI for a QR code)
 * once. It waits until `confirmOtp` proves the person's app has it; an active secret keeps
 * guarding sign-in meanwhile. Preparing again replaces a set-up not confirmed yet.
 */
export async function prepareOtp(deps: Deps, caller: Caller, args: { label?: string | null } & Proof):
    Promise<Result<{ otpUri: string; otpSecret: string }, 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller, args)
  if (!owner.ok) return owner
  const person = owner.value
  const secret = newOtpSecret()
  // As in the reference, `label` names the issuer (what the app shows above the account).
  // Made before anything is stored, so a failure leaves the person as they were.
  const uri = otpUri({ issuer: args.label || deps.otpIssuer, label: person.email ?? person.name ?? person.id, secret })
  await setPendingOtp(deps.db, person.id, deps.secrets.encrypt(secret, otpContext(person.id)), deps.clock.now())
  return ok({ otpSecret: secret, otpUri: uri })
}
