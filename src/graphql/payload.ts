import type { Result } from '../model/result.js'

// The one place that builds the reference's mutation payload:
// { ok, error: { code, developerMessage, ... }, errors: [error] (deprecated copy), result }.

export function toPayload<T, C extends string, R = T>(result: Result<T, C>, map?: (value: T) => R) {
  if (result.ok) {
    return { ok: true, error: null, errors: [], result: map ? map(result.value) : result.value }
  }
  const error = {
    code: result.code,
    developerMessage: result.message,
    endUserMessage: null,
    endPersonMessage: null,
    membershipValidation: null,
    ...result.details,
  }
  // Membership problems also appear in the deprecated list under their old codes, as the
  // reference lists them (VARIABLE_INVALID has no old code).
  const legacy = (result.details?.membershipValidation ?? [])
    .filter((p) => p.code !== 'VARIABLE_INVALID')
    .map((p) => ({ code: p.code, developerMessage: result.message, membershipValidation: null, endUserMessage: null }))
  return { ok: false, error, errors: [error, ...legacy], result: null }
}
