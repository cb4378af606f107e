import { z } from 'zod'

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

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value)

export const envSchema = z.object({
  PORT: port.default(4000),
  HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  DATABASE_URL: z.preprocess(emptyAsUndefined, databaseUrl.optional()),
  CONTEMBER_ROOT_TOKEN: z.preprocess(emptyAsUndefined, specialToken.optional()),
  CONTEMBER_LOGIN_TOKEN: z.preprocess(emptyAsUndefined, specialToken.optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z.string().trim().regex(/^\d+$/, 'must be a number of bytes').transform(Number)
    .refine((n) => n >= 1024, 'must be at least 1024').default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.string().trim().regex(/^\d+$/, 'must be a number of milliseconds')
    .transform(Number).default(10_000),
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
    const shown = name.endsWith('_TOKEN') || name === 'DATABASE_URL' ? '' : ` (got ${JSON.stringify(env[name])})`
    return `${name} ${issue.message}${shown}`
  })
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
}
