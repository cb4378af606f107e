import type { Deps } from '../deps.js'
import { recordAuthEvent } from '../authLog/recordAuthEvent.js'
import type { Caller } from '../auth/authenticate.js'
import { forbiddenMessage, may } from '../acl/permissions.js'
import { fail, ok, type Result } from '../result.js'
import { ensureTenantConfigRow, selectStoredConfig, updateStoredConfig } from '../../db/queries/tenantConfig.js'
import { CAPTCHA_SECRET_CONTEXT, configInputSchema, mergeConfig, NULLABLE_FIELDS, type StoredConfig, type TenantConfig } from './tenantConfig.js'

/**
 * Changes tenant-wide settings. A field left out keeps its value; a field set to null goes back
 * to its default (for `pattern`, `maxTokenExpiration` and `passwordless.url`, null means "none"). The whole input is
 * checked first, so a bad value changes nothing.
 */
export async function configure(deps: Deps, caller: Caller, input: unknown): Promise<Result<TenantConfig, 'INVALID_CONFIG' | 'FORBIDDEN'>> {
  if (!may(caller.roles, 'configure')) return fail('FORBIDDEN', forbiddenMessage('configure'))
  const parsed = configInputSchema.safeParse(input ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return fail('INVALID_CONFIG', `${issue.path.join('.')}: ${issue.message}`)
  }
  // The captcha secret is stored sealed and never shown: "" removes it, null keeps it.
  const { captcha, ...rest } = parsed.data
  const changes: Record<string, unknown> = { ...rest }
  if (captcha) {
    const { secret, ...captchaRest } = captcha
    changes.captcha = { ...captchaRest, ...(secret === '' ? { secretSealed: null } : secret ? { secretSealed: deps.secrets.encrypt(secret, CAPTCHA_SECRET_CONTEXT) } : {}) }
  }
  const logged = captcha?.secret ? { ...parsed.data, captcha: { ...captcha, secret: '***' } } : parsed.data
  return deps.db.transaction(async (tx) => {
    await ensureTenantConfigRow(tx)
    const stored = await selectStoredConfig(tx, true)
    const next = { ...stored } as StoredConfig
    for (const [section, fields] of Object.entries(changes) as [keyof TenantConfig, Record<string, unknown> | null | undefined][]) {
      if (!fields) continue
      const merged: Record<string, unknown> = { ...next[section] }
      for (const [field, value] of Object.entries(fields)) {
        if (value === undefined) continue
        if (value === null && !NULLABLE_FIELDS.has(field)) delete merged[field]
        // A rate limit's window is merged too: `{ limit: 5 }` keeps the window set before.
        else if (isRecord(value) && isRecord(merged[field])) merged[field] = { ...merged[field], ...Object.fromEntries(Object.entries(value).filter(([, v]) => v != null)) }
        else if (isRecord(value)) merged[field] = Object.fromEntries(Object.entries(value).filter(([, v]) => v != null))
        else merged[field] = value
      }
      ;(next as Record<string, unknown>)[section] = merged
    }
    const effective = mergeConfig(next)
    const problem = inconsistency(effective)
    if (problem) return fail('INVALID_CONFIG', problem)
    await updateStoredConfig(tx, next, deps.clock.now())
    await recordAuthEvent(deps, tx, caller, { type: 'tenant_config_change', success: true, eventData: { input: logged } })
    return ok(effective)
  })
}

function inconsistency(config: TenantConfig): string | null {
  const { login } = config
  if (login.baseBackoff > login.maxBackoff) return 'login.baseBackoff must not exceed login.maxBackoff'
  if (login.maxTokenExpiration !== null && login.defaultTokenExpiration > login.maxTokenExpiration) {
    return 'login.defaultTokenExpiration must not exceed login.maxTokenExpiration'
  }
  if (login.defaultTokenExpiration < 60) return 'login.defaultTokenExpiration must be at least a minute'
  if (config.captcha.provider !== null && config.captcha.secretSealed === null) return 'captcha.provider needs captcha.secret'
  return null
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
