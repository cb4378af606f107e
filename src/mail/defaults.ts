// The mail every type sends when nobody stored a template for it (addMailTemplate). Mustache:
// `{{name}}` is HTML-escaped, `{{#name}}…{{/name}}` shows a part only when the value is set.
// Every default is wrapped in LAYOUT.

export const MAIL_TYPES = [
  'EXISTING_USER_INVITED', 'NEW_USER_INVITED', 'RESET_PASSWORD_REQUEST', 'PASSWORDLESS_SIGN_IN', 'FORCED_SIGN_OUT', 'EMAIL_OTP',
  'BACKUP_CODES_EXHAUSTED', 'EMAIL_VERIFICATION', 'EMAIL_CHANGE_VERIFY', 'EMAIL_CHANGE_NOTIFY', 'UNUSUAL_LOGIN',
] as const

export type MailType = typeof MAIL_TYPES[number]

/** The mail types tenant-api sends today (the others can have templates stored for the features that will send them). */
export type SentMailType = 'EXISTING_USER_INVITED' | 'NEW_USER_INVITED' | 'RESET_PASSWORD_REQUEST' | 'PASSWORDLESS_SIGN_IN' |
  'EMAIL_VERIFICATION' | 'EMAIL_CHANGE_VERIFY' | 'EMAIL_CHANGE_NOTIFY' | 'FORCED_SIGN_OUT' | 'EMAIL_OTP' | 'UNUSUAL_LOGIN' |
  'BACKUP_CODES_EXHAUSTED'

/**
 * What a template of each type must show for its mail to be of any use: at least one variable
 * of each group (a reset mail without `{{token}}` would leave its reader stuck).
 */
export const REQUIRED_VARIABLES: Record<MailType, readonly (readonly string[])[]> = {
  EXISTING_USER_INVITED: [],
  NEW_USER_INVITED: [['password', 'token']],
  RESET_PASSWORD_REQUEST: [['token']],
  PASSWORDLESS_SIGN_IN: [['token', 'url']],
  FORCED_SIGN_OUT: [],
  EMAIL_OTP: [['code']],
  BACKUP_CODES_EXHAUSTED: [],
  EMAIL_VERIFICATION: [['token']],
  EMAIL_CHANGE_VERIFY: [['token']],
  EMAIL_CHANGE_NOTIFY: [],
  UNUSUAL_LOGIN: [],
}

/** The page every mail sits in unless its template says `useLayout: false`; `{{{content}}}` is the mail. */
export const LAYOUT = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>
<body style="margin:0;padding:32px 12px;background:#f4f5f7;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:15px;line-height:1.6;color:#1f2933;">
<div style="max-width:560px;margin:0 auto;padding:24px 32px;background:#ffffff;border:1px solid #e1e4e8;border-radius:8px;">
{{{content}}}
</div>
</body></html>
`

export interface DefaultTemplate {
  subject: string
  content: string
}

const code = (value: string) => `<p style="font-family:monospace;font-size:16px;background:#f4f5f7;padding:8px 12px;border-radius:4px;word-break:break-all;">${value}</p>`

export const DEFAULT_TEMPLATES: Record<SentMailType, DefaultTemplate> = {
  NEW_USER_INVITED: {
    subject: 'Invitation to {{project}}',
    content: `<p>Hello,</p>
<p>you are invited to work on <strong>{{project}}</strong>. An account was made for you under <strong>{{email}}</strong>.</p>
{{#password}}<p>Sign in with this password, and change it after your first sign-in:</p>
${code('{{password}}')}{{/password}}
{{#token}}<p>Choose your password with this code (it works once, for 24 hours):</p>
${code('{{token}}')}{{/token}}`,
  },
  EXISTING_USER_INVITED: {
    subject: 'Invitation to {{project}}',
    content: `<p>Hello,</p>
<p>you now have access to <strong>{{project}}</strong>. Sign in as usual with your account <strong>{{email}}</strong>.</p>`,
  },
  RESET_PASSWORD_REQUEST: {
    subject: 'Reset your password',
    content: `<p>Hello,</p>
<p>someone asked to reset the password of the account <strong>{{email}}</strong>{{#project}} for {{project}}{{/project}}.
Use this code to choose a new one; it works once, within an hour:</p>
${code('{{token}}')}
<p>If it was not you, ignore this mail: your password stays as it is.</p>`,
  },
  PASSWORDLESS_SIGN_IN: {
    subject: 'Your sign-in link',
    content: `<p>Hello,</p>
<p>here is how to sign in to <strong>{{email}}</strong>{{#project}} for {{project}}{{/project}}. It works once, for a few minutes.</p>
{{#url}}<p><a href="{{url}}" style="display:inline-block;padding:10px 18px;background:#1f6feb;color:#ffffff;text-decoration:none;border-radius:6px;">Sign in</a></p>
<p style="font-size:13px;color:#52606d;">Or open this address: {{url}}</p>{{/url}}
{{^url}}${code('{{token}}')}{{/url}}
<p>If you did not ask to sign in, ignore this mail.</p>`,
  },
  EMAIL_VERIFICATION: {
    subject: 'Confirm your email address',
    content: `<p>Hello,</p>
<p>please confirm that <strong>{{email}}</strong> is your address{{#project}} for {{project}}{{/project}}, with this code:</p>
${code('{{token}}')}
<p>If you did not create an account, ignore this mail.</p>`,
  },
  EMAIL_CHANGE_VERIFY: {
    subject: 'Confirm your new email address',
    content: `<p>Hello,</p>
<p>someone asked to change the address of an account{{#project}} for {{project}}{{/project}} to <strong>{{email}}</strong>.
Confirm it with this code and the change takes effect:</p>
${code('{{token}}')}
<p>If it was not you, ignore this mail: nothing changes.</p>`,
  },
  FORCED_SIGN_OUT: {
    subject: 'You were signed out',
    content: `<p>Hello,</p>
<p>an administrator ended every session of your account <strong>{{email}}</strong>: you are signed out on all your devices.</p>
{{#reason}}<p>The reason given: {{reason}}</p>{{/reason}}
<p>Sign in again to go on. If you did not expect this, contact your administrator.</p>`,
  },
  EMAIL_CHANGE_NOTIFY: {
    subject: 'Your email address was changed',
    content: `<p>Hello,</p>
<p>the address of your account{{#project}} for {{project}}{{/project}} was changed from <strong>{{email}}</strong> to <strong>{{newEmail}}</strong>.
Mail about the account now goes to the new address.</p>
<p>If you did not make this change, contact your administrator at once.</p>`,
  },
  EMAIL_OTP: {
    subject: 'Your verification code',
    content: `<p>Hello,</p>
<p>here is the code that confirms it is you, for your account <strong>{{email}}</strong>. It works once, for 10 minutes:</p>
${code('{{code}}')}
<p>If you did not just sign in or change your sign-in settings, someone else knows your password: change it.</p>`,
  },
  UNUSUAL_LOGIN: {
    subject: 'Unusual sign-in to your account',
    content: `<p>Hello,</p>
<p>someone signed in to your account <strong>{{email}}</strong> from a place or device it has not been used from lately{{#geoCountry}} (country: {{geoCountry}}){{/geoCountry}}{{#ipAddress}}, address {{ipAddress}}{{/ipAddress}}.</p>
<p>If it was you, there is nothing to do. If not, change your password and end your other sessions.</p>`,
  },
  BACKUP_CODES_EXHAUSTED: {
    subject: 'You have no backup codes left',
    content: `<p>Hello,</p>
<p>the last backup code of your account <strong>{{email}}</strong> was just used to sign in.
Sign in and make new ones (regenerateBackupCodes), so you can still get in if you lose your authenticator.</p>
<p>If you did not use it, change your password at once.</p>`,
  },
}
