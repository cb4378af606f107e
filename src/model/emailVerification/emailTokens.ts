import type { Caller } from '../auth/authenticate.js'
import type { Queryable } from '../../db/db.js'
import { insertPersonToken, retirePersonTokens, type TokenPurpose } from '../../db/queries/personTokens.js'
import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import { queueMail, type MailProject } from '../mail/queueMail.js'
import { generateToken, hashToken } from '../tokens.js'

/** How long an email verification or email change token works. */
export const EMAIL_TOKEN_MINUTES = 24 * 60

/**
 * Issues a verification token for `email` (the person's address, or the new one of a change),
 * retiring the person's earlier ones of the same purpose, and mails it there.
 */
export async function mailEmailToken(deps: Deps, tx: Queryable, caller: Caller, args: {
  personId: string; purpose: Extract<TokenPurpose, 'email_verification' | 'email_change'>; email: string
  project: MailProject | null; variant?: string | null
}): Promise<void> {
  const at = deps.clock.now()
  await retirePersonTokens(tx, args.personId, args.purpose, at)
  const token = generateToken()
  await insertPersonToken(tx, {
    personId: args.personId, purpose: args.purpose, tokenHash: hashToken(token), email: args.email, at,
    expiresAt: new Date(at.getTime() + EMAIL_TOKEN_MINUTES * 60_000),
  })
  await queueMail(deps, tx, {
    type: args.purpose === 'email_change' ? 'EMAIL_CHANGE_VERIFY' : 'EMAIL_VERIFICATION',
    to: args.email, project: args.project, variant: args.variant, variables: { email: args.email, token }, secrets: [token],
  })
  await recordAuthEvent(deps, tx, caller, {
    type: args.purpose === 'email_change' ? 'email_change_init' : 'email_verify_init', success: true, personId: args.personId, personInputIdentifier: args.email,
  })
}
