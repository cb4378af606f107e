import { isIP } from 'node:net'
import { z } from 'zod'
import { parseKey } from '../model/secrets.js'

// Every setting comes from the environment and is checked once, at start, so a typo stops the
// process with one clear line instead of surfacing as a strange failure under load.

const port = z.string().trim()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .refine((n) => n >= 0 && n <= 65535, 'must be between 0 and 65535')

const databaseUrl = z.string().trim().refine((value) => {
  try {
    const url = new URL(value)
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== ''
  } catch {
    return false
  }
}, 'must be a URL like postgres://user:password@host:5432/database')

// Special tokens may be any string an operator chose (Contember allows that too), but an empty
// or very short one would be guessable.
const specialToken = z.string().min(16, 'must be at least 16 characters long')

const isKey = (text: string) => {
  try {
    parseKey(text)
    return true
  } catch {
    return false
  }
}
const encryptionKey = z.string().refine(isKey, 'must be 32 bytes, as 64 hex characters or base64 (`openssl rand -hex 32`)')

function isAddressOrRange(text: string): boolean {
  const [address, bits, ...rest] = text.split('/')
  const family = isIP(address ?? '')
  if (family === 0 || rest.length > 0) return false
  if (bits === undefined) return true
  return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value)

/** A comma-separated list (blank entries dropped; unset or empty: none), each entry checked. */
const commaList = (valid: (entry: string) => boolean, what: string) =>
  z.preprocess(emptyAsUndefined, z.string().optional().transform((value, ctx) => {
    const entries = (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)
    if (entries.every(valid)) return entries
    ctx.addIssue({ code: 'custom', message: `must be ${what}` })
    return z.NEVER
  }))

const wholeNumber = (min: number) => z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n >= min, `must be a whole number of at least ${min}`)
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

export const envSchema = z.object({
  PORT: port.default(4000),
  HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  DATABASE_URL: z.preprocess(emptyAsUndefined, databaseUrl.optional()),
  CONTEMBER_ROOT_TOKEN: z.preprocess(emptyAsUndefined, specialToken.optional()),
  CONTEMBER_LOGIN_TOKEN: z.preprocess(emptyAsUndefined, specialToken.optional()),
  CONTEMBER_ROOT_EMAIL: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  CONTEMBER_ROOT_PASSWORD: z.preprocess(emptyAsUndefined, z.string().optional()),
  TENANT_ENCRYPTION_KEY: z.preprocess(emptyAsUndefined, encryptionKey.optional()),
  TENANT_ENCRYPTION_OLD_KEYS: commaList(isKey, 'a comma-separated list of 32-byte keys (64 hex characters or base64)'),
  OTP_ISSUER: z.string().trim().min(1, 'must not be empty').default('tenant-api'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  // Proxies in front of the server (addresses or CIDR ranges): their X-Forwarded-For and
  // X-Request-Id are believed. Unset: nobody's.
  TRUST_PROXY: commaList(isAddressOrRange, 'a comma-separated list of IP addresses or CIDR ranges (10.0.0.0/8)'),
  // The header such a proxy (or a backend key with trustForwardedClientInfo) reports the client's
  // country in, as Cloudflare's CF-IPCountry: a new country makes a sign-in unusual. Unset: none.
  GEO_COUNTRY_HEADER: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name such as CF-IPCountry').optional()),
  METRICS: flag.default(true),
  METRICS_PORT: z.preprocess(emptyAsUndefined, port.optional()),
  BODY_LIMIT: z.string().trim().regex(/^\d+$/, 'must be a number of bytes').transform(Number)
    .refine((n) => n >= 1024, 'must be at least 1024').default(1024 * 1024),
  TOKEN_CACHE_TTL_MS: z.string().trim().regex(/^\d+$/, 'must be a number of milliseconds').transform(Number).default(60_000),
  SHUTDOWN_TIMEOUT_MS: z.string().trim().regex(/^\d+$/, 'must be a number of milliseconds')
    .transform(Number).default(10_000),
  // How long a shutdown keeps the listener open answering 503 before it closes it.
  SHUTDOWN_DRAIN_MS: z.string().trim().regex(/^\d+$/, 'must be a number of milliseconds').transform(Number).default(250),
  // What one GraphQL request may cost (src/graphql/limits.ts; README "Request limits").
  GRAPHQL_MAX_DOCUMENT_BYTES: wholeNumber(256).default(32 * 1024),
  GRAPHQL_MAX_TOKENS: wholeNumber(100).default(5_000),
  GRAPHQL_MAX_ALIASES: wholeNumber(0).default(100),
  GRAPHQL_MAX_FIELDS: wholeNumber(10).default(1_000),
  GRAPHQL_MAX_COST: wholeNumber(10).default(50_000),
  GRAPHQL_MAX_DEPTH: wholeNumber(2).default(20),
  GRAPHQL_MAX_PASSWORD_CHECKS: wholeNumber(1).default(1),
  GRAPHQL_CACHE_SIZE: wholeNumber(0).default(256),
  GRAPHQL_INTROSPECTION: flag.default(true),
  GRAPHIQL: flag.default(true),
  // The reference's switch for X-Contember-Force-Ok (http/forceOk.ts).
  CONTEMBER_HTTP_RESPONSE_STATUS_HEADER: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.enum(['true', 'false', '1', '0', 'on', 'off']).transform((v) => ['true', '1', 'on'].includes(v))).default(true),
  // Mail (the reference's variable names). Without a host or a webhook, mail is held in the
  // outbox and shown by `tenant-api outbox` (development).
  TENANT_MAILER_HOST: z.preprocess(emptyAsUndefined, z.string().trim().optional()),
  TENANT_MAILER_PORT: port.default(25),
  TENANT_MAILER_FROM: z.preprocess(emptyAsUndefined, z.string().trim().min(3).optional()),
  TENANT_MAILER_USER: z.preprocess(emptyAsUndefined, z.string().optional()),
  TENANT_MAILER_PASSWORD: z.preprocess(emptyAsUndefined, z.string().optional()),
  TENANT_MAILER_SECURE: flag.default(false),
  TENANT_MAILER_REQUIRE_TLS: flag.default(false),
  TENANT_MAILER_WEBHOOK: z.preprocess(emptyAsUndefined, z.string().trim().refine((value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol)
    } catch {
      return false
    }
  }, 'must be an http(s) URL').optional()),
  // Have I Been Pwned's range API (password.checkHibp); a test points it at a fake.
  HIBP_URL: z.string().trim().url().default('https://api.pwnedpasswords.com/range/'),
  HIBP_TIMEOUT_MS: wholeNumber(100).default(1_500),
  // Where each captcha provider verifies tokens (captcha config); a test points them at a fake.
  CAPTCHA_TURNSTILE_URL: z.string().trim().url().default('https://challenges.cloudflare.com/turnstile/v0/siteverify'),
  CAPTCHA_HCAPTCHA_URL: z.string().trim().url().default('https://hcaptcha.com/siteverify'),
  CAPTCHA_RECAPTCHA_URL: z.string().trim().url().default('https://www.google.com/recaptcha/api/siteverify'),
  // Auth log entries older than this are deleted (model/authLog).
  AUTH_LOG_RETENTION_DAYS: wholeNumber(1).default(180),
  MAIL_MAX_ATTEMPTS: wholeNumber(1).default(20),
  MAIL_RETRY_DELAY_MS: wholeNumber(10).default(5_000),
  MAIL_POLL_INTERVAL_MS: wholeNumber(10).default(5_000),
  // Browser applications on other origins that may call the API (an admin screen); unset: none.
  CORS_ORIGINS: commaList((origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin), 'a comma-separated list of origins like https://admin.example.com, or *'),
}).refine((env) => env.TENANT_ENCRYPTION_KEY !== undefined || env.DATABASE_URL === undefined, {
  path: ['TENANT_ENCRYPTION_KEY'],
  message: 'is required with DATABASE_URL (every node must share it; generate one with `openssl rand -hex 32`)',
}).refine((env) => env.TENANT_MAILER_FROM !== undefined || (env.TENANT_MAILER_HOST === undefined && env.TENANT_MAILER_WEBHOOK === undefined), {
  path: ['TENANT_MAILER_FROM'],
  message: 'is required with TENANT_MAILER_HOST or TENANT_MAILER_WEBHOOK (the sender address, e.g. "Acme <noreply@acme.example>")',
}).refine((env) => (env.CONTEMBER_ROOT_EMAIL === undefined) === (env.CONTEMBER_ROOT_PASSWORD === undefined), {
  path: ['CONTEMBER_ROOT_PASSWORD'],
  message: 'and CONTEMBER_ROOT_EMAIL must be set together',
}).refine((env) => env.CONTEMBER_ROOT_TOKEN === undefined || env.CONTEMBER_ROOT_TOKEN !== env.CONTEMBER_LOGIN_TOKEN, {
  path: ['CONTEMBER_LOGIN_TOKEN'],
  message: 'must differ from CONTEMBER_ROOT_TOKEN',
})

export type Config = z.infer<typeof envSchema>

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment')
    // Values of secrets are never echoed back, not even in a start-up error.
    const secret = /_TOKEN$|_KEYS?$|PASSWORD|DATABASE_URL|WEBHOOK/.test(name)
    const shown = secret || env[name] === undefined ? '' : ` (got ${JSON.stringify(env[name])})`
    return `${name} ${issue.message}${shown}`
  })
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
}
