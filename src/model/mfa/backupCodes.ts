import { randomInt } from 'node:crypto'
import type { Queryable } from '../../db/db.js'
import { replaceBackupCodes, selectUnusedBackupCodes, useBackupCode } from '../../db/queries/backupCodes.js'
import type { PersonCredentials } from '../../db/queries/persons.js'
import type { Deps } from '../deps.js'
import { queueMail } from '../mail/queueMail.js'
import { hashToken, sameHash } from '../tokens.js'

// Backup codes: ten one-use codes a person keeps on paper for the day the phone is gone. Shown
// once, kept as sha256 only, each accepted once instead of a second-factor code.

export const BACKUP_CODE_COUNT = 10
// No 0/o, 1/l: codes are read off paper and typed by hand.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'
const LENGTH = 10

/** A code as shown: `abcde-fghij` (50 random bits). */
export function newBackupCode(): string {
  let code = ''
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)]
  return `${code.slice(0, 5)}-${code.slice(5)}`
}

/** As typed: case, spaces and hyphens do not matter. */
export const normaliseBackupCode = (code: string) => code.replace(/[\s-]/g, '').toLowerCase()

/** A new set for the person, in `tx`, replacing every earlier code; the codes are returned once. */
export async function issueBackupCodes(deps: Deps, tx: Queryable, personId: string): Promise<string[]> {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, newBackupCode)
  await replaceBackupCodes(tx, personId, codes.map((code) => hashToken(normaliseBackupCode(code))), deps.clock.now())
  return codes
}

/**
 * Spends one of the person's unused codes when `code` is one: compared with each in constant
 * time, and used once (a second request with it loses). Using the last one mails the person
 * (BACKUP_CODES_EXHAUSTED), so they make new ones while they still can.
 */
export async function spendBackupCode(deps: Deps, person: PersonCredentials, code: string): Promise<boolean> {
  const normalised = normaliseBackupCode(code)
  // Longer input is no code; it is not hashed either.
  if (normalised.length !== LENGTH) return false
  const given = hashToken(normalised)
  let match: string | null = null
  for (const row of await selectUnusedBackupCodes(deps.db, person.id)) if (sameHash(row.codeHash, given)) match = row.id
  if (match === null) return false
  return deps.db.transaction(async (tx) => {
    const left = await useBackupCode(tx, match, deps.clock.now())
    if (left === null) return false
    if (left === 0 && person.email) {
      await queueMail(deps, tx, { type: 'BACKUP_CODES_EXHAUSTED', to: person.email, project: null, variant: null, variables: { email: person.email }, secrets: [] })
    }
    return true
  })
}
