// Races are settled by constraints (two sign-ups with one email, two adds of one member):
// the use case maps the violated constraint's name to the error code it answers.

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown }
  if (e.code !== '23505') return false
  return e.constraint === constraint || (typeof e.message === 'string' && e.message.includes(`"${constraint}"`))
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03'])

/**
 * The database cannot be reached (down, restarting, its connection lost or timed out): the
 * request is answered 503, and may be retried, rather than 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as { code?: unknown; message?: unknown }
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true
  const message = typeof e.message === 'string' ? e.message : ''
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(message)
}

/** What a request the database could not serve is told. */
export const unavailableMessage = (requestId: string) => `Service unavailable: the database cannot be reached; retry later (request id ${requestId})`
