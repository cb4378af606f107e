import { randomBytes } from 'node:crypto'
import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { announceIdentityChanged } from '../auth/announce.js'
import { fail, ok, type Result } from '../result.js'
import { isUniqueViolation } from '../../db/errors.js'
import { insertIdentity } from '../../db/queries/identities.js'
import { insertMemberships } from '../../db/queries/memberships.js'
import { insertPerson, publicPerson, selectPersonCredentials, type PersonRow } from '../../db/queries/persons.js'
import { insertPersonToken } from '../../db/queries/personTokens.js'
import { normaliseMemberships, validateMemberships, type Membership } from '../acl/projectAcl.js'
import { invalidMembership } from '../api-keys/createApiKey.js'
import { hashPassword } from '../passwords/hashing.js'
import { isValidEmail, nameFromEmail, normaliseEmail } from '../persons/email.js'
import { administersAllProjects, loadProjectAccess, mayTouchMemberships, projectNotFound, type ProjectAccess } from '../projects/projectAccess.js'
import { queueMail } from '../mail/queueMail.js'
import { generateToken, hashToken } from '../tokens.js'
import { alreadyMember, currentMemberships, hidden } from './memberRules.js'

/** How long the password-setting token of an invited person works. */
export const INVITE_TOKEN_MINUTES = 24 * 60

export type InviteErrorCode = 'PROJECT_NOT_FOUND' | 'ALREADY_MEMBER' | 'INVALID_MEMBERSHIP' | 'INVALID_EMAIL_FORMAT' | 'FORBIDDEN'

export interface InviteArgs {
  email: string
  name?: string | null
  projectSlug: string
  memberships: readonly Membership[]
}

export interface InviteOutcome {
  person: PersonRow
  isNew: boolean
}

/** What `invite` and `unmanagedInvite` differ in. */
interface InviteMode {
  action: 'invite' | 'unmanagedInvite'
  /** A password for a new person: given (unmanaged), generated and mailed (CREATE_PASSWORD), or none. */
  password: { given: string } | 'generate' | null
  /** A password-setting token for a new person: one we make and mail, or the hash of one the caller made. */
  resetToken: 'generate' | { hash: string } | null
  mail: { variant: string | null } | null
}

export interface InviteOptions {
  method?: 'CREATE_PASSWORD' | 'RESET_PASSWORD' | null
  mailVariant?: string | null
}

/**
 * Adds a person to a project by email, creating the person (and its identity) when the email
 * is new, and mails them: a new person gets a generated password (CREATE_PASSWORD, the default)
 * or a token for `resetPassword` valid 24 hours (RESET_PASSWORD); an existing person is only
 * added. Someone already a member is ALREADY_MEMBER: an invite never changes existing
 * memberships (that takes the right to manage them). Allowed to the project's admins and to
 * members whose role's `invite` rule covers every membership given.
 */
export function invite(deps: Deps, caller: Caller, args: InviteArgs, options: InviteOptions = {}): Promise<Result<InviteOutcome, InviteErrorCode | 'INVALID_INPUT'>> {
  const method = options.method ?? 'CREATE_PASSWORD'
  return addByEmail(deps, caller, args, {
    action: 'invite',
    password: method === 'CREATE_PASSWORD' ? 'generate' : null,
    resetToken: method === 'RESET_PASSWORD' ? 'generate' : null,
    mail: { variant: options.mailVariant ?? null },
  })
}

export interface UnmanagedInviteOptions {
  password?: string | null
  /** sha256 (64 hex characters) of a token the caller made: it works with `resetPassword` for 24 hours. */
  resetTokenHash?: string | null
}

/**
 * `invite` without mail: the caller sets up the new person's password (`password`) or hands it
 * a token of its own (`resetTokenHash`), and tells the person itself. INVALID_INPUT (a malformed
 * hash) is no schema code: it is raised as a user input error.
 */
export function unmanagedInvite(deps: Deps, caller: Caller, args: InviteArgs, options: UnmanagedInviteOptions = {}):
    Promise<Result<InviteOutcome, InviteErrorCode | 'INVALID_INPUT'>> {
  const hash = options.resetTokenHash
  if (hash != null && !/^[0-9a-fA-F]{64}$/.test(hash)) return Promise.resolve(fail('INVALID_INPUT', 'Invalid format of resetTokenHash. Must be hex-encoded sha256.'))
  return addByEmail(deps, caller, args, {
    action: 'unmanagedInvite',
    password: options.password != null ? { given: options.password } : null,
    resetToken: hash != null ? { hash: hash.toLowerCase() } : null,
    mail: null,
  })
}

async function addByEmail(deps: Deps, caller: Caller, args: InviteArgs, mode: InviteMode): Promise<Result<InviteOutcome, InviteErrorCode | 'INVALID_INPUT'>> {
  const memberships = normaliseMemberships(args.memberships)
  const access = await loadProjectAccess(deps, caller, args.projectSlug)
  // As for other member operations: who administers every project learns that a slug does not
  // exist; anyone else is refused before learning it.
  if (!access) return administersAllProjects(caller.roles) ? fail('PROJECT_NOT_FOUND', projectNotFound(args.projectSlug)) : forbidden(mode)
  if (!mayTouchMemberships(access, mode.action, memberships)) return forbidden(mode)
  const problems = validateMemberships(access.acl, memberships)
  if (problems.length > 0) return invalidMembership(problems)
  const email = normaliseEmail(args.email)
  if (!isValidEmail(email)) return fail('INVALID_EMAIL_FORMAT', 'E-mail address is not in a valid format')

  // The slow part (argon2) before the transaction, so it holds no locks; wasted only when the
  // email turns out to belong to someone already.
  const password = mode.password === 'generate' ? randomBytes(9).toString('base64') : mode.password?.given ?? null
  const passwordHash = password !== null ? await hashPassword(password) : null
  // Two invites of one new email at once: one creates the person, the other (whose insert hits
  // the unique email) runs again and finds it.
  for (let attempt = 0; ; attempt++) {
    const result = await deps.db.transaction(async (tx): Promise<Result<InviteOutcome, InviteErrorCode | 'INVALID_INPUT'> | typeof RACE> => {
      const existing = await selectPersonCredentials(tx, { email })
      if (existing) {
        const current = await currentMemberships(tx, access, existing.identityId)
        // Telling ALREADY_MEMBER about a member the caller cannot see would reveal the membership.
        if (current.length > 0) return hidden(access, current) ? forbidden(mode) : alreadyMember()
        await addMemberships(deps, tx, access, existing.identityId, memberships)
        if (mode.mail) await mailInvite(deps, tx, access, { type: 'EXISTING_USER_INVITED', email, memberships, variant: mode.mail.variant })
        await recordInvite(deps, tx, caller, mode, access, existing.id, email, false, memberships)
        return ok({ person: publicPerson(existing), isNew: false })
      }
      const identity = await insertIdentity(tx, { roles: ['person'] })
      let person: PersonRow
      try {
        person = await insertPerson(tx, { identityId: identity.id, email, name: args.name || nameFromEmail(email), passwordHash, createdAt: deps.clock.now() })
      } catch (error) {
        if (isUniqueViolation(error, 'person_email_unique')) return RACE
        throw error
      }
      const token = mode.resetToken === 'generate' ? generateToken() : null
      const tokenHash = token !== null ? hashToken(token) : typeof mode.resetToken === 'object' && mode.resetToken ? mode.resetToken.hash : null
      if (tokenHash !== null) {
        const at = deps.clock.now()
        try {
          await insertPersonToken(tx, {
            personId: person.id, purpose: 'password_reset', tokenHash, email, at, expiresAt: new Date(at.getTime() + INVITE_TOKEN_MINUTES * 60_000),
          })
        } catch (error) {
          // Only a caller-made hash can repeat one: that token is someone's already.
          if (isUniqueViolation(error, 'person_token_hash_unique')) return fail('INVALID_INPUT', 'This resetTokenHash is in use; make a new token')
          throw error
        }
      }
      await addMemberships(deps, tx, access, identity.id, memberships)
      if (mode.mail) {
        await mailInvite(deps, tx, access, {
          type: 'NEW_USER_INVITED', email, memberships, variant: mode.mail.variant,
          password: mode.password === 'generate' ? password : null, token,
        })
      }
      await recordInvite(deps, tx, caller, mode, access, person.id, email, true, memberships)
      return ok({ person, isNew: true })
    }).catch((error: unknown) => {
      if (error instanceof AlreadyMember) return alreadyMember()
      throw error
    })
    if (result !== RACE) return result as Result<InviteOutcome, InviteErrorCode | 'INVALID_INPUT'>
    if (attempt >= 2) throw new Error('invite: the person could neither be created nor found')
  }
}

/** A transaction that must run again (another invite created the person meanwhile); it rolls back. */
const RACE = { ok: false, code: 'RACE', message: 'retry' } as const

const forbidden = (mode: InviteMode) =>
  fail('FORBIDDEN', mode.action === 'invite' ? 'You are not allowed to invite a person' : 'You are not allowed to unmanaged person invite')

async function addMemberships(deps: Deps, tx: Parameters<typeof insertMemberships>[0], access: ProjectAccess, identityId: string, memberships: readonly Membership[]) {
  try {
    await insertMemberships(tx, access.project.id, identityId, memberships, deps.clock.now())
  } catch (error) {
    // Added meanwhile by another request: the transaction rolls back and answers as a member.
    if (isUniqueViolation(error, 'project_membership_unique')) throw new AlreadyMember()
    throw error
  }
  await announceIdentityChanged(deps, tx, identityId)
}

class AlreadyMember extends Error {}

async function mailInvite(deps: Deps, tx: Parameters<typeof insertMemberships>[0], access: ProjectAccess, mail: {
  type: 'NEW_USER_INVITED' | 'EXISTING_USER_INVITED'; email: string; memberships: readonly Membership[]; variant: string | null
  password?: string | null; token?: string | null
}) {
  const secrets = [mail.password, mail.token].filter((s): s is string => typeof s === 'string')
  await queueMail(deps, tx, {
    type: mail.type,
    to: mail.email,
    project: { id: access.project.id, slug: access.project.slug, name: access.project.name },
    variant: mail.variant,
    variables: {
      email: mail.email,
      password: mail.password ?? null,
      token: mail.token ?? null,
      memberships: mail.memberships.map((m) => ({ role: m.role, variables: m.variables.map((v) => ({ name: v.name, values: [...v.values] })) })),
    },
    secrets,
  })
}

async function recordInvite(deps: Deps, tx: Parameters<typeof insertMemberships>[0], caller: Caller, mode: InviteMode, access: ProjectAccess,
    personId: string, email: string, isNew: boolean, memberships: readonly Membership[]) {
  await recordAuthEvent(deps, tx, caller, {
    type: 'person_invite', success: true, targetPersonId: personId, personInputIdentifier: email,
    eventData: { projectSlug: access.project.slug, isNew, unmanaged: mode.action === 'unmanagedInvite', memberships },
  })
}
