import type { Queryable } from '../../db/db.js'
import { insertAuthLog } from '../../db/queries/authLog.js'
import type { Deps } from '../deps.js'
import type { Caller } from '../auth/authenticate.js'

/** The event types written today (the reference's names; README, "Auth log"). */
export type AuthEventType =
  | 'login' | 'create_session_token' | 'password_change' | 'person_disable' | 'session_revoked_by_user' | 'forced_sign_out'
  | 'global_role_grant' | 'global_role_revoke' | 'api_key_create' | 'api_key_disable'
  | 'project_membership_create' | 'project_membership_update' | 'project_membership_remove'
  | 'tenant_config_change' | '2fa_enable' | '2fa_disable'
  | 'project_create' | 'project_update' | 'project_secret_change' | 'mail_template_change' | 'person_invite'
  | 'password_reset_init' | 'password_reset' | 'passwordless_login_init' | 'passwordless_login_exchange' | 'passwordless_login'
  | 'email_verify_init' | 'email_verify_complete' | 'email_change_init' | 'email_change_complete' | 'email_change'

export interface AuthEvent {
  type: AuthEventType
  success: boolean
  personId?: string | null
  targetPersonId?: string | null
  personInputIdentifier?: string | null
  errorCode?: string | null
  errorMessage?: string | null
  metadata?: Record<string, unknown>
  /** What changed (roles before and after, say). Never a password, token, code or secret. */
  eventData?: unknown
}

/**
 * Writes one entry of the auth log, in `q`: the transaction of the change it records, or the
 * database itself for an attempt that changed nothing (a failed sign-in), so it stays.
 */
export async function recordAuthEvent(deps: Deps, q: Queryable, caller: Caller, event: AuthEvent): Promise<void> {
  await insertAuthLog(q, {
    ...event,
    invokedByIdentityId: caller.identityId,
    ipAddress: caller.client.ip,
    userAgent: caller.client.userAgent,
    at: deps.clock.now(),
  })
}
