import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2'
import { availableParallelism } from 'node:os'
import bcrypt from 'bcryptjs'

// argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): about 25 ms
// here, memory-hard against GPU guessing. Hashes are PHC strings, so parameters live in each
// hash and can be raised later; older hashes are upgraded at the next sign-in.
// (2 is Algorithm.Argon2id; the enum is a const enum this build cannot import.)
export const ARGON2_PARAMS = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

// Whole-string shapes, so a truncated or garbled hash is refused at import, not accepted into a
// person who could then never sign in.
const isBcrypt = (stored: string) => /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(stored)
const isArgon2 = (stored: string) => /^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.test(stored)

/**
 * The most an imported hash may cost to verify. A hash carries its own parameters, so without a
 * ceiling an admin could import one that takes hours (argon2 t=2^32-1, bcrypt cost 31) and a few
 * sign-ins would hold every hashing thread. Contember's bcrypt cost is 10, OWASP's argon2id 19 MiB.
 */
export const HASH_CEILINGS = { bcryptCost: 14, argon2MemoryKiB: 65_536, argon2TimeCost: 10, argon2Parallelism: 4 } as const

/** True when a hash of a supported kind asks for more work than HASH_CEILINGS allow. */
export function exceedsHashCeilings(stored: string): boolean {
  const bcryptCost = /^\$2[aby]\$(\d\d)\$/.exec(stored)
  if (bcryptCost) return Number(bcryptCost[1]) > HASH_CEILINGS.bcryptCost
  const argon = /^\$argon2(?:id|i|d)\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored)
  if (!argon) return false
  const [m, t, p] = [Number(argon[1]), Number(argon[2]), Number(argon[3])]
  return m > HASH_CEILINGS.argon2MemoryKiB || t > HASH_CEILINGS.argon2TimeCost || p > HASH_CEILINGS.argon2Parallelism
}

/**
 * argon2 runs on libuv's threads (4 by default), off the event loop, but on the same cores: four
 * hashes at once on two cores leave requests that need no hash waiting for CPU. At most one hash
 * per core but one runs at a time (at least one); the others wait their turn in order.
 */
export const HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1)
let running = 0
const waiting: (() => void)[] = []
async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= HASH_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve))
  else running++
  try {
    return await work()
  } finally {
    // The slot passes straight to the next in line, or is given back.
    const next = waiting.shift()
    if (next) next()
    else running--
  }
}

/** Hashes running right now (tests watch the bound). */
export const hashesRunning = () => running

export function hashPassword(password: string): Promise<string> {
  return withHashSlot(() => argon2Hash(password, ARGON2_PARAMS))
}

/** Accepts argon2 hashes and bcrypt hashes (what Contember stores, for imported persons). */
export function isSupportedPasswordHash(stored: string): boolean {
  return isBcrypt(stored) || isArgon2(stored)
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  // A hash stored before the ceilings existed is refused rather than allowed to stall the service.
  if (exceedsHashCeilings(stored)) return false
  try {
    if (isArgon2(stored)) return await withHashSlot(() => argon2Verify(stored, password))
    if (isBcrypt(stored)) return await bcrypt.compare(password, stored)
    return false
  } catch {
    // A corrupt stored hash is a failed check, not an outage for the person.
    return false
  }
}

/** True when a stored hash should be replaced by a fresh argon2id one after a good sign-in. */
export function needsRehash(stored: string): boolean {
  if (!isArgon2(stored)) return true
  const match = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored)
  return !match || Number(match[1]) < ARGON2_PARAMS.memoryCost || Number(match[2]) < ARGON2_PARAMS.timeCost
}

let dummy: Promise<string> | undefined
/**
 * Verifying a password against this hash costs what a real check costs, so a sign-in for an
 * unknown email takes as long as one with a wrong password and timing does not tell them apart.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword('tenant-api dummy password, never matches')
  const hash = await dummy
  await withHashSlot(() => argon2Verify(hash, password)).catch(() => false)
  return false
}
