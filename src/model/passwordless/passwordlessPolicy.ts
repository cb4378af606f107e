import type { PasswordlessPolicy } from '../config/tenantConfig.js'

/** Whether a person may sign in by mailed link: the tenant's policy, and for optIn/optOut the person's own choice. */
export function passwordlessAllowed(policy: PasswordlessPolicy, personChoice: boolean | null): boolean {
  switch (policy) {
    case 'always': return true
    case 'never': return false
    case 'optIn': return personChoice === true
    case 'optOut': return personChoice !== false
  }
}

/**
 * The link of a passwordless mail: the configured page with `token`, `request_id` and `email`
 * added to its query (parameters it already has are kept).
 */
export function passwordlessLink(page: string, values: { token: string; requestId: string; email: string }): string {
  const url = new URL(page)
  url.searchParams.set('token', values.token)
  url.searchParams.set('request_id', values.requestId)
  url.searchParams.set('email', values.email)
  return url.toString()
}
