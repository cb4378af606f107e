import type { Deps } from '../deps.js'
import { ok, type Result } from '../result.js'
import { updatePersonOtp } from '../../db/queries/persons.js'
import type { Principal } from '../auth/authenticate.js'
import { otpOwner, type Proof } from './confirmPresence.js'
import { otpContext } from '../sessions/secondFactor.js'
import { newOtpSecret, otpUri } from './totp.js'

/**
 * Makes a new TOTP secret for the person and returns it (and its otpauth:// URI for a QR code)
 * once. It guards sign-in only after `confirmOtp` proves the person's app has it; preparing
 * again replaces an unconfirmed or active secret, which then needs confirming again (as in the
 * reference: until then sign-in needs no code).
 */
export async function prepareOtp(deps: Deps, caller: Principal, args: { label?: string | null } & Proof):
    Promise<Result<{ otpUri: string; otpSecret: string }, 'FORBIDDEN'>> {
  const owner = await otpOwner(deps, caller, args)
  if (!owner.ok) return owner
  const person = owner.value
  const label = args.label
  const secret = newOtpSecret()
  return deps.db.transaction(async (tx) => {
    await updatePersonOtp(tx, person.id, {
      secretEncrypted: deps.secrets.encrypt(secret, otpContext(person.id)), activatedAt: null, lastTimeStep: null,
    })
    // As in the reference, `label` names the issuer (what the app shows above the account).
    return ok({ otpSecret: secret, otpUri: otpUri({ issuer: label || deps.otpIssuer, label: person.email ?? person.name ?? person.id, secret }) })
  })
}
