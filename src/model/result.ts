// Every use case answers with a typed result: the error codes the GraphQL schema names are
// values here, not exceptions. Exceptions are for bugs and outages only.

/** Extra facts some errors carry to the client (why a password is weak, when to retry). */
export interface ErrorDetails {
  weakPasswordReasons?: string[]
  retryAfter?: number
  membershipValidation?: { code: string; role: string; variable: string | null }[]
  /** signUp's EMAIL_ALREADY_EXISTS: what the person should do instead. */
  recommendedAction?: 'SIGN_IN' | 'RESET_PASSWORD'
  /** MFA_ENROLLMENT_REQUIRED: the TOTP secret to enrol with. */
  mfaEnrollment?: { otpUri: string; otpSecret: string }
}

export type Result<T, C extends string> =
  | { ok: true; value: T }
  | { ok: false; code: C; message: string; details?: ErrorDetails }

export const ok = <T>(value: T) => ({ ok: true as const, value })

export const fail = <C extends string>(code: C, message: string, details?: ErrorDetails) =>
  ({ ok: false as const, code, message, ...(details ? { details } : {}) })
