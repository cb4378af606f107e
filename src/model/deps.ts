import type { Db } from '../db/db.js'
import type { Clock } from './clock.js'
import type { SecretBox } from './secrets.js'
import type { TokenCache } from './auth/tokenCache.js'
import type { BreachCheck } from './passwords/hibp.js'
import type { CaptchaEndpoints } from './captcha.js'
import type { PolicyCache } from './authPolicies/effectivePolicy.js'

/** Everything a use case may touch, built once in app.ts. */
export interface Deps {
  db: Db
  clock: Clock
  /** Encrypts secrets that must be read back (TOTP secrets). */
  secrets: SecretBox
  /** Shown in authenticator apps next to the account (the otpauth:// issuer). */
  otpIssuer: string
  /** Verified tokens on this node, dropped when a change is announced (model/auth/revocation.ts). */
  tokens: TokenCache
  /**
   * The identities of the root and login tokens (filled at start). Their roles, keys and
   * memberships follow the environment: the API may not change them (model/acl/permissions.ts).
   */
  bootstrapIdentities: { root: string; login: string }
  /** Whether a password is known from breaches (`password.checkHibp`); fails open. */
  breached: BreachCheck
  /** Where captcha tokens are verified, per provider. */
  captchaEndpoints: CaptchaEndpoints
  /** The auth policies, as this node last read them (dropped when a change is announced). */
  policies: PolicyCache
}

/** Is this the root or the login token's identity? */
export const isBootstrapIdentity = (deps: Deps, identityId: string) =>
  identityId === deps.bootstrapIdentities.root || identityId === deps.bootstrapIdentities.login
