// Races are settled by constraints (two sign-ups with one email, two adds of one member):
// the use case maps the violated constraint's name to the error code it answers.

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown }
  if (e.code !== '23505') return false
  return e.constraint === constraint || (typeof e.message === 'string' && e.message.includes(`"${constraint}"`))
}
