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
  | 'unusual_login_detected' | 'step_up_required' | 'email_otp_sent'
  | 'backup_code_generated' | 'backup_code_used' | 'backup_code_regenerated' | 'mfa_enrollment_required' | 'mfa_reset'
  | 'session_policy_applied' | 'session_expired_idle' | 'auth_policy_change'
  | 'idp_login' | 'idp_create' | 'idp_update' | 'idp_disable' | 'idp_enable' | 'idp_disconnect' | 'idp_role_mapped' | 'idp_role_mapping_failed' | 'idp_logout_initiated'

export interface AuthEvent {
  type: AuthEventType
  success: boolean
  personId?: string | null
  targetPersonId?: string | null
  personInputIdentifier?: string | null
  errorCode?: string | null
  errorMessage?: string | null
  /** The identity provider of an `idp_` event. */
  identityProviderId?: string | null
  metadata?: Record<string, unknown>
  /** What changed (roles before and after, say). Never a password, token, code or secret. */
  eventData?: unknown
}

/**
 * Writes one entry of the auth log, in `q`: the transaction of the change it records, or the
 * database itself for an attempt that changed nothing (a failed sign-in), so it stays.
 */
export async function recordAuthEvent(deps: Deps, q: Queryable, caller: Caller, event: AuthEvent): Promise<void> {
  const { client } = caller
  // A backend trusted to pass on its user's address is named beside it, so what came through
  // which proxy can still be traced. The country has no field in the schema: it is shown in the
  // metadata (and kept in a column of its own for comparing sign-ins).
  const extra = {
    ...(client.forwarderIp !== undefined || client.forwarderUserAgent !== undefined
      ? { forwarderIp: client.forwarderIp ?? null, forwarderUserAgent: client.forwarderUserAgent ?? null } : {}),
    ...(client.geoCountry ? { geoCountry: client.geoCountry } : {}),
  }
  await insertAuthLog(q, {
    ...event,
    metadata: Object.keys(extra).length > 0 ? { ...event.metadata, ...extra } : event.metadata,
    invokedByIdentityId: caller.identityId,
    ipAddress: client.ip,
    userAgent: client.userAgent,
    geoCountry: client.geoCountry ?? null,
    at: deps.clock.now(),
  })
}
