import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { generate } from 'otplib'
import { randomEmail } from '../helpers/fixtures.js'
import { goodPassword, payload } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink } from '../helpers/smtp.js'

// Secrets never reach the log: a scenario that touches every kind of secret the service handles
// runs at LOG_LEVEL=trace, and the whole captured log is searched for each of them: passwords
// (right and wrong), session and API tokens, reset tokens, TOTP secrets and codes, backup codes,
// email codes, project secrets, an identity provider's client secret, the captcha secret.

const smtp = await startSmtpSink()
const captured = new PassThrough()
let log = ''
captured.on('data', (chunk) => { log += chunk })
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '50', LOG_LEVEL: 'trace' }, logStream: captured })

const secrets = new Set<string>([server.rootToken, server.loginToken])
const keep = <T extends string>(value: T) => {
  secrets.add(value)
  return value
}
const mailTo = async (email: string, subject: RegExp) => (await smtp.waitFor((m) => m.to.includes(email) && subject.test(m.subject))).text
const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!
const tokenIn = (text: string) => /\b([0-9a-f]{40})\b/.exec(text)![1]!

test('LOG_LEVEL=trace: no password, token, code or secret the scenario used is anywhere in the log', async () => {
  // A wrong password is tried before the right one.
  await payload(server, 'mutation { configure(config: { login: { baseBackoff: "PT0S", maxBackoff: "PT0S" } }) { ok } }')
  const email = randomEmail()
  const password = keep(goodPassword())
  const signUp = await payload(server, 'mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { ok } }', { e: email, p: password })
  assert.equal(signUp.ok, true)
  const signIn = async (p: string, extra: Record<string, string> = {}) =>
    payload(server, 'mutation($e: String!, $p: String!, $o: String, $b: String) { signIn(email: $e, password: $p, otpToken: $o, backupCode: $b) { ok error { code } result { token } } }',
      { e: email, p, o: extra.otp, b: extra.backup }, server.loginToken)
  const wrong = keep(`Wrong-${randomBytes(4).toString('hex')}-Pass`)
  assert.equal((await signIn(wrong)).ok, false)
  keep((await signIn(password)).result.token as string)

  // A password reset through the mailed token.
  assert.equal((await payload(server, 'mutation($e: String!) { createResetPasswordRequest(email: $e) { ok } }', { e: email }, server.loginToken)).ok, true)
  const resetToken = keep(tokenIn(await mailTo(email, /password/i)))
  const newPassword = keep(goodPassword())
  assert.equal((await payload(server, 'mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) { ok error { code } } }', { t: resetToken, p: newPassword }, server.loginToken)).ok, true)
  const session2 = keep((await signIn(newPassword)).result.token as string)

  // TOTP, its backup codes, a backup code used.
  const otpSecret = keep((await payload(server, 'mutation { prepareOtp { result { otpSecret } } }', {}, session2)).result.otpSecret as string)
  const confirmCode = keep(await generate({ secret: otpSecret }))
  const confirmed = await payload(server, 'mutation($t: String!) { confirmOtp(otpToken: $t) { ok result { backupCodes } } }', { t: confirmCode }, session2)
  for (const code of confirmed.result.backupCodes as string[]) keep(code)
  assert.equal((await signIn(newPassword, { backup: confirmed.result.backupCodes[0] })).ok, true)

  // Email OTP: the mailed code.
  assert.equal((await payload(server, 'mutation { initEmailOtp { ok } }', {}, session2)).ok, true)
  const emailCode = keep(codeIn(await mailTo(email, /verification code/i)))
  assert.equal((await payload(server, 'mutation($t: String!) { confirmEmailOtp(otpToken: $t) { ok } }', { t: emailCode }, session2)).ok, true)

  // A project with a secret, an API key, an identity provider's and the captcha's secrets.
  const slug = `log_${randomBytes(4).toString('hex')}`
  const projectSecret = keep(`project-secret-${randomBytes(8).toString('hex')}`)
  assert.equal((await payload(server, 'mutation($s: String!, $v: String!) { createProject(projectSlug: $s, secrets: [{ key: "api", value: $v }], options: { noDeployToken: true }) { ok } }', { s: slug, v: projectSecret })).ok, true)
  const changedSecret = keep(`changed-${randomBytes(8).toString('hex')}`)
  assert.equal((await payload(server, 'mutation($s: String!, $v: String!) { setProjectSecret(projectSlug: $s, key: "api", value: $v) { ok } }', { s: slug, v: changedSecret })).ok, true)
  const apiKey = await payload(server, 'mutation($s: String!) { createApiKey(projectSlug: $s, memberships: [{ role: "admin", variables: [] }], description: "log test") { ok result { apiKey { token } } } }', { s: slug })
  keep(apiKey.result.apiKey.token)
  const clientSecret = keep(`client-secret-${randomBytes(8).toString('hex')}`)
  const idp = await payload(server, 'mutation($c: Json!) { addIDP(identityProvider: "log-idp", type: "oidc", configuration: $c) { ok error { code developerMessage } } }',
    { c: { url: 'https://idp.example.com', clientId: 'client', clientSecret } })
  assert.equal(idp.ok, true, JSON.stringify(idp))
  const captchaSecret = keep(`captcha-secret-${randomBytes(8).toString('hex')}`)
  assert.equal((await payload(server, 'mutation($s: String) { configure(config: { captcha: { provider: turnstile, secret: $s, protect: { signUp: false, passwordReset: false, passwordlessInit: false } } }) { ok } }', { s: captchaSecret })).ok, true)

  // An invite that mails a generated password, and one with a password given.
  const invitedEmail = randomEmail()
  const invited = await payload(server, 'mutation($e: String!, $s: String!) { invite(email: $e, projectSlug: $s, memberships: [{ role: "admin", variables: [] }], options: { method: RESET_PASSWORD }) { ok error { code } } }',
    { e: invitedEmail, s: slug })
  assert.equal(invited.ok, true, JSON.stringify(invited))
  keep(tokenIn(await mailTo(invitedEmail, /invit/i)))
  const invitedPassword = keep(goodPassword())
  const unmanaged = await payload(server, 'mutation($e: String!, $s: String!, $p: String) { unmanagedInvite(email: $e, projectSlug: $s, memberships: [{ role: "admin", variables: [] }], options: { password: $p }) { ok error { code } } }',
    { e: randomEmail(), s: slug, p: invitedPassword })
  assert.equal(unmanaged.ok, true, JSON.stringify(unmanaged))

  // Everything settles (mail sent, access lines written) before the log is read.
  await new Promise((resolve) => setTimeout(resolve, 500))
  await server.close()
  assert.ok(log.split('\n').filter((line) => line.includes(`"reqId"`)).length >= 15, `the log was captured: ${log.split("\n").length} lines`)
  for (const secret of secrets) assert.ok(!log.includes(secret), `a secret reached the log: ${secret.slice(0, 6)}…`)
})
