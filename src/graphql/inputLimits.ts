import { UserInputError } from './errors.js'
import type { Resolver } from './context.js'

// Bounds on every argument, before a resolver does any work with it. PostgreSQL cannot store a
// NUL character in text (it would answer an error, and the caller a 500), and no argument of this
// API needs megabytes: the body limit bounds a request, these bound each value in it.

export const MAX_STRING_LENGTH = 16_384
/** For the few arguments that hold a document (a mail template's HTML). */
export const MAX_LONG_STRING_LENGTH = 262_144
export const MAX_LIST_ITEMS = 1_000
/** Nesting of objects and lists inside one argument (a Json config, say). */
export const MAX_NESTING = 32

/** The first problem with an argument value, or null; `path` names where it is, for the message. */
export function inputProblem(value: unknown, path: string, depth = 0, longStrings: ReadonlySet<string> = NONE): string | null {
  if (typeof value === 'string') {
    const max = longStrings.has(path) ? MAX_LONG_STRING_LENGTH : MAX_STRING_LENGTH
    if (value.length > max) return `${path} is longer than ${max} characters`
    if (value.includes('\u0000')) return `${path} contains a NUL character`
    // Half of a surrogate pair without the other half: no UTF-8 (nor PostgreSQL's json) can hold it.
    if (!value.isWellFormed()) return `${path} is not valid Unicode (a lone surrogate)`
    return null
  }
  if (value === null || typeof value !== 'object' || value instanceof Date) return null
  if (depth >= MAX_NESTING) return `${path} is nested more than ${MAX_NESTING} levels deep`
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ITEMS) return `${path} has more than ${MAX_LIST_ITEMS} items`
    for (let i = 0; i < value.length; i++) {
      const problem = inputProblem(value[i], `${path}[${i}]`, depth + 1, longStrings)
      if (problem) return problem
    }
    return null
  }
  const entries = Object.entries(value)
  if (entries.length > MAX_LIST_ITEMS) return `${path} has more than ${MAX_LIST_ITEMS} keys`
  for (const [key, item] of entries) {
    const problem = inputProblem(key, `${path} key`, depth + 1) ?? inputProblem(item, `${path}.${key.slice(0, 50)}`, depth + 1, longStrings)
    if (problem) return problem
  }
  return null
}

const NONE: ReadonlySet<string> = new Set()

/**
 * Wraps each resolver so its arguments are checked first (answered as a UserInputError).
 * `longStrings` names the arguments (as `argument.path`, without "argument.") that may be
 * as long as MAX_LONG_STRING_LENGTH.
 */
export function withInputLimits<R extends Record<string, Resolver<any, any, any>>>(resolvers: R, options: { longStrings?: readonly string[] } = {}): R {
  const longStrings = new Set((options.longStrings ?? []).map((path) => `argument.${path}`))
  return Object.fromEntries(Object.entries(resolvers).map(([name, resolve]) => [name,
    (parent: unknown, args: Record<string, unknown>, ctx: Parameters<Resolver>[2]) => {
      const problem = inputProblem(args, 'argument', 0, longStrings)
      if (problem) throw new UserInputError(`Invalid input: ${problem.replace(/^argument\./, '')}`)
      return resolve(parent, args, ctx)
    }])) as R
}
