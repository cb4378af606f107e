import type { Deps } from './deps.js'
import { fail } from './result.js'
import { CAPTCHA_SECRET_CONTEXT, loadTenantConfig, type CaptchaFlow, type CaptchaProvider } from './config/tenantConfig.js'

/** Where each provider verifies a token (overridable by environment: tests run a fake on loopback). */
export type CaptchaEndpoints = Record<CaptchaProvider, string>

export const DEFAULT_CAPTCHA_ENDPOINTS: CaptchaEndpoints = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  hcaptcha: 'https://hcaptcha.com/siteverify',
  recaptchaV3: 'https://www.google.com/recaptcha/api/siteverify',
}

const TIMEOUT_MS = 5_000

/**
 * Checks the `captchaToken` of an operation `captcha.protect` names, while a provider is set:
 * null when it passes, else INVALID_CAPTCHA "Captcha verification failed: <reason>" (invalid,
 * expired, low_score, or verify_error when the provider could not be asked: it fails closed).
 * The secret goes only to the provider, in the request body.
 */
export async function refuseCaptcha(deps: Deps, flow: CaptchaFlow, token: string | null | undefined, ip: string | null) {
  const { captcha } = await loadTenantConfig(deps.db)
  if (captcha.provider === null || captcha.secretSealed === null || !captcha.protect[flow]) return null
  const refuse = (reason: string) => fail('INVALID_CAPTCHA', `Captcha verification failed: ${reason}`)
  if (!token) return refuse('invalid')
  const body = new URLSearchParams({ secret: deps.secrets.decrypt(captcha.secretSealed, CAPTCHA_SECRET_CONTEXT), response: token })
  if (ip) body.set('remoteip', ip)
  let answer: { success?: unknown; score?: unknown; 'error-codes'?: unknown }
  try {
    const response = await fetch(deps.captchaEndpoints[captcha.provider], {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    if (!response.ok) {
      await response.arrayBuffer().catch(() => {})
      return refuse('verify_error')
    }
    answer = await response.json() as typeof answer
  } catch {
    return refuse('verify_error')
  }
  const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'] : []
  if (answer.success !== true) return refuse(codes.includes('timeout-or-duplicate') ? 'expired' : 'invalid')
  if (captcha.provider === 'recaptchaV3' && (typeof answer.score === 'number' ? answer.score : 0) < (captcha.threshold ?? 0.5)) return refuse('low_score')
  return null
}
