import { createHash } from 'node:crypto'

/**
 * Whether a password is in Have I Been Pwned's list of breached passwords, by its k-anonymity
 * range API: only the first 5 hex characters of the password's SHA-1 leave the server (with
 * padding asked for, so the answer's size tells nothing either), and the match is made here.
 * Fails open: when the service cannot be asked (down, slow, an error) the answer is false, and
 * `onOutage` is told why, so an outage never blocks sign-ups or password changes.
 */
export type BreachCheck = (password: string) => Promise<boolean>

export function hibpCheck(options: { url: string; timeoutMs: number; onOutage: (reason: string) => void }): BreachCheck {
  return async (password) => {
    const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase()
    const prefix = sha1.slice(0, 5)
    const suffix = sha1.slice(5)
    try {
      const response = await fetch(`${options.url}${prefix}`, { headers: { 'add-padding': 'true' }, signal: AbortSignal.timeout(options.timeoutMs) })
      if (!response.ok) {
        await response.arrayBuffer().catch(() => {})
        options.onOutage(`the breached-password service answered ${response.status}`)
        return false
      }
      const text = await response.text()
      return text.split('\n').some((line) => {
        const [candidate, count] = line.trim().split(':')
        return candidate === suffix && Number(count) > 0
      })
    } catch (error) {
      options.onOutage(`the breached-password service could not be asked: ${error instanceof Error ? error.name : 'error'}`)
      return false
    }
  }
}
