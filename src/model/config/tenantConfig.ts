import { z } from 'zod'
import type { Queryable } from '../../db/db.js'
import { compilePattern, MAX_PASSWORD_LENGTH, type PasswordPolicy } from '../passwords/policy.js'
import { parseInterval } from './interval.js'
import { selectStoredConfig } from '../../db/queries/tenantConfig.js'

// Tenant-wide settings (`configuration` / `configure`). The database keeps only what an
// operator set; everything else comes from these defaults, the reference's current ones.

export interface LoginConfig {
  /** Back-off after failed sign-ins: base, doubled per failure, capped; seconds. */
  baseBackoff: number
  maxBackoff: number
  /** Failures older than this are forgotten; seconds. */
  attemptWindow: number
  /** False: unknown email and wrong password both answer INVALID_CREDENTIALS. */
  revealUserExists: boolean
  /** False: a wrong password and "this person has no password" both answer INVALID_CREDENTIALS. */
  revealLoginMethod: boolean
  /** Session length when sign-in names none, and the longest allowed; seconds (max null = no cap). */
  defaultTokenExpiration: number
  maxTokenExpiration: number | null
  /** How long someone an auth policy requires MFA of may still sign in without it; seconds (0: not at all). */
  mfaGraceDuration: number
  anomalyDetection: AnomalyDetectionConfig
}

/** Unusual sign-ins (model/sessions/signInRisk.ts): scores from which to mail, and to ask for a mailed code. */
export interface AnomalyDetectionConfig {
  enabled: boolean
  historySize: number
  emailThreshold: number
  stepUpThreshold: number
}

export type PasswordlessPolicy = 'always' | 'never' | 'optIn' | 'optOut'

/** At most `limit` requests per `window` seconds; a limit of 0 turns it off. */
export interface RateLimitWindow {
  limit: number
  window: number
}

export type CaptchaProvider = 'turnstile' | 'hcaptcha' | 'recaptchaV3'
export type CaptchaFlow = 'signUp' | 'passwordReset' | 'passwordlessInit' | 'emailVerification'

export interface CaptchaConfig {
  /** Null: no captcha. */
  provider: CaptchaProvider | null
  /** The provider's secret, sealed (model/secrets.ts); never shown by `configuration`. */
  secretSealed: string | null
  /** The lowest reCAPTCHA v3 score let through (0.5 when null). */
  threshold: number | null
  /** Which operations ask for `captchaToken`. */
  protect: Record<CaptchaFlow, boolean>
}

/** What the captcha secret's ciphertext is bound to (model/secrets.ts). */
export const CAPTCHA_SECRET_CONTEXT = 'config:captcha.secret'

export const RATE_LIMITS = ['signUpPerIp', 'loginPerIp', 'passwordResetPerIp', 'passwordlessInitPerIp', 'emailOtpPerPerson', 'emailVerificationPerIp'] as const
export type RateLimitName = typeof RATE_LIMITS[number]

export interface TenantConfig {
  signup: {
    /** New persons must verify their email before they can sign in. */
    requireEmailVerification: boolean
  }
  emailChange: {
    /** A changed email takes effect only once confirmed from the new address. */
    requireVerification: boolean
  }
  passwordless: {
    /** Who may sign in by mailed link: everyone, nobody, who opted in, everyone but who opted out. */
    enabled: PasswordlessPolicy
    /** The sign-in page the mailed link points to (token, request_id and email are added); null: the mail carries the token only. */
    url: string | null
    /** How long a mailed link works; seconds. */
    expiration: number
  }
  password: PasswordPolicy
  login: LoginConfig
  /** Per client address (emailOtpPerPerson: per person, for the email codes that arrive with MFA). */
  rateLimits: Record<RateLimitName, RateLimitWindow>
  captcha: CaptchaConfig
}

export const defaultConfig: TenantConfig = {
  signup: { requireEmailVerification: false },
  emailChange: { requireVerification: false },
  passwordless: { enabled: 'never', url: null, expiration: 5 * 60 },
  password: {
    minLength: 8,
    requireUppercase: 1,
    requireLowercase: 1,
    requireDigit: 1,
    requireSpecial: 0,
    pattern: null,
    checkBlacklist: true,
    checkHibp: false,
  },
  login: {
    baseBackoff: 1,
    maxBackoff: 60,
    attemptWindow: 5 * 60,
    revealUserExists: true,
    revealLoginMethod: true,
    defaultTokenExpiration: 30 * 60,
    maxTokenExpiration: 180 * 86_400,
    mfaGraceDuration: 0,
    anomalyDetection: { enabled: false, historySize: 10, emailThreshold: 1, stepUpThreshold: 3 },
  },
  // Off by default, as in the reference (a shared address, a company's NAT, would lock out
  // everyone behind it); emailOtpPerPerson is on.
  rateLimits: {
    signUpPerIp: { limit: 0, window: 3600 },
    loginPerIp: { limit: 0, window: 3600 },
    passwordResetPerIp: { limit: 0, window: 3600 },
    passwordlessInitPerIp: { limit: 0, window: 3600 },
    emailOtpPerPerson: { limit: 10, window: 600 },
    emailVerificationPerIp: { limit: 0, window: 3600 },
  },
  captcha: {
    provider: null, secretSealed: null, threshold: null,
    protect: { signUp: true, passwordReset: true, passwordlessInit: true, emailVerification: false },
  },
}

// A rule no password within MAX_PASSWORD_LENGTH can meet would refuse every new password.
const count = z.number().int().min(0).max(MAX_PASSWORD_LENGTH)
const interval = z.unknown().transform((value, ctx) => {
  const seconds = parseInterval(value)
  if (seconds === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as "PT30M", "30 minutes" or a number of seconds' })
    return z.NEVER
  }
  return seconds
})
// Exactly what checkPassword can run: the same compilePattern decides both.
const regex = z.string().max(1000).refine((source) => compilePattern(source) !== null,
  'must be a regular expression in RE2 syntax (no lookaround, no backreferences)')

// A link in a mail: any scheme an app may register (https, myapp), but none that runs code.
const linkUrl = z.string().max(2000).refine((value) => {
  try {
    return !['javascript:', 'data:', 'vbscript:', 'file:'].includes(new URL(value).protocol)
  } catch {
    return false
  }
}, 'must be an absolute URL (https://app.example.com/sign-in)')

const rateLimitWindow = z.object({ limit: z.number().int().min(0).max(1_000_000).nullish(), window: interval.nullish() }).strict().nullish()

/** What `configure(config:)` accepts: every field optional; null resets a nullable one. */
export const configInputSchema = z.object({
  captcha: z.object({
    provider: z.enum(['turnstile', 'hcaptcha', 'recaptchaV3']).nullish(),
    // Write-only: null or left out keeps the stored one, "" removes it (configure seals it).
    secret: z.string().max(1000).nullish(),
    threshold: z.number().min(0).max(1).nullish(),
    protect: z.object({ signUp: z.boolean().nullish(), passwordReset: z.boolean().nullish(), passwordlessInit: z.boolean().nullish(), emailVerification: z.boolean().nullish() }).strict().nullish(),
  }).strict().nullish(),
  rateLimits: z.object(Object.fromEntries(RATE_LIMITS.map((name) => [name, rateLimitWindow])) as Record<RateLimitName, typeof rateLimitWindow>).strict().nullish(),
  signup: z.object({ requireEmailVerification: z.boolean().nullish() }).strict().nullish(),
  emailChange: z.object({ requireVerification: z.boolean().nullish() }).strict().nullish(),
  passwordless: z.object({
    enabled: z.enum(['always', 'never', 'optIn', 'optOut']).nullish(),
    url: linkUrl.nullish(),
    expiration: interval.nullish(),
    // 2.0.8's form of `expiration`; `expiration` wins when both are given.
    expirationMinutes: z.number().int().min(0).max(525_600).nullish(),
  }).strict().nullish().transform((section) => {
    if (!section) return section
    const { expirationMinutes, ...rest } = section
    return expirationMinutes != null && rest.expiration == null ? { ...rest, expiration: expirationMinutes * 60 } : rest
  }),
  password: z.object({
    minLength: z.number().int().min(1).max(MAX_PASSWORD_LENGTH).nullish(),
    requireUppercase: count.nullish(),
    requireLowercase: count.nullish(),
    requireDigit: count.nullish(),
    requireSpecial: count.nullish(),
    pattern: regex.nullish(),
    checkBlacklist: z.boolean().nullish(),
    checkHibp: z.boolean().nullish(),
  }).strict().nullish(),
  login: z.object({
    baseBackoff: interval.nullish(),
    maxBackoff: interval.nullish(),
    attemptWindow: interval.nullish(),
    revealUserExists: z.boolean().nullish(),
    revealLoginMethod: z.boolean().nullish(),
    defaultTokenExpiration: interval.nullish(),
    maxTokenExpiration: interval.nullish(),
    mfaGraceDuration: interval.nullish(),
    // Bounded: each sign-in reads historySize rows of the auth log.
    anomalyDetection: z.object({
      enabled: z.boolean().nullish(),
      historySize: z.number().int().min(1).max(100).nullish(),
      emailThreshold: z.number().int().min(0).max(100).nullish(),
      stepUpThreshold: z.number().int().min(0).max(100).nullish(),
    }).strict().nullish(),
  }).strict().nullish(),
}).strict()

export type ConfigInput = z.infer<typeof configInputSchema>
/** What is stored: the sections and fields an operator set. */
export type StoredConfig = { [S in keyof TenantConfig]?: Partial<TenantConfig[S]> }

/** Fields where null is a setting ("no pattern", "no limit", "no link"), not "back to the default". */
export const NULLABLE_FIELDS: ReadonlySet<string> = new Set(['pattern', 'maxTokenExpiration', 'url', 'provider', 'threshold', 'secretSealed'])

/**
 * Stored values over the defaults. A stored null anywhere else is damage, not a setting: an
 * interval that parsed to NaN was written as JSON null, which switched the sign-in back-off off
 * and made `configuration` fail; such a field falls back to its default.
 */
export function mergeConfig(stored: StoredConfig): TenantConfig {
  const set = <T extends object>(fields: Partial<T> | undefined) =>
    Object.fromEntries(Object.entries(fields ?? {}).filter(([field, value]) => value !== null || NULLABLE_FIELDS.has(field))) as Partial<T>
  return {
    signup: { ...defaultConfig.signup, ...set(stored.signup) },
    emailChange: { ...defaultConfig.emailChange, ...set(stored.emailChange) },
    passwordless: { ...defaultConfig.passwordless, ...set(stored.passwordless) },
    password: { ...defaultConfig.password, ...set(stored.password) },
    // Each window on its own: a stored { limit } keeps the default window.
    captcha: {
      ...defaultConfig.captcha,
      ...set(stored.captcha),
      protect: { ...defaultConfig.captcha.protect, ...set(stored.captcha?.protect as Partial<CaptchaConfig['protect']> | undefined) },
    },
    rateLimits: Object.fromEntries(RATE_LIMITS.map((name) => [name, { ...defaultConfig.rateLimits[name], ...set(stored.rateLimits?.[name] as Partial<RateLimitWindow> | undefined) }])) as TenantConfig['rateLimits'],
    login: {
      ...defaultConfig.login,
      ...set(stored.login),
      anomalyDetection: { ...defaultConfig.login.anomalyDetection, ...set(stored.login?.anomalyDetection as Partial<AnomalyDetectionConfig> | undefined) },
    },
  }
}

export async function loadTenantConfig(q: Queryable): Promise<TenantConfig> {
  return mergeConfig(await selectStoredConfig(q) as StoredConfig)
}
