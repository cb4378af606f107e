import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generate } from 'otplib'
import { manualClock } from '../../src/model/clock.js'
import { goodPassword, payload, signInPerson, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

// The auth log: every event type written today, each produced by a real call and read back
// through authLog with each filter; who may read it; and that no entry carries a secret.

const clock = manualClock(new Date('2026-06-01T10:00:00Z'))
const server = await startServer({ clock })
const secrets: string[] = []

const LOG = `query($filter: AuthLogFilter, $limit: Int, $offset: Int) { authLog(filter: $filter, limit: $limit, offset: $offset) {
  hasMore entries { id createdAt type success invokedByIdentityId personId targetPersonId personInputIdentifier errorCode errorMessage ipAddress userAgent identityProviderId metadata eventData } } }`
type Entry = { id: string; createdAt: string; type: string; success: boolean; invokedByIdentityId: string | null; personId: string | null; targetPersonId: string | null
  personInputIdentifier: string | null; errorCode: string | null; errorMessage: string | null; ipAddress: string | null; userAgent: string | null; metadata: any; eventData: any }
const log = async (filter: Record<string, unknown> = {}, limit?: number, offset?: number): Promise<{ entries: Entry[]; hasMore: boolean }> =>
  payload(server, LOG, { filter, limit, offset })
const latest = async (type: string) => (await log({ types: [type] })).entries[0]!
const tick = () => clock.advance(1_000)
const identityOf = async (token: string) => (await server.gql('{ me { id } }', { token })).body.data.me.id as string

async function newProject() {
  const slug = `al_${randomBytes(4).toString('hex')}`
  assert.equal((await payload(server, `mutation($slug: String!) { createProject(projectSlug: $slug, config: { acl: { roles: { editor: {} } } }, options: { noDeployToken: true }) { ok } }`, { slug })).ok, true)
  return slug
}

test('login: a success with its session, a failure with the real code (also when the answer hides it), the email typed, the address and user agent', async () => {
  const person = await signUpPerson(server)
  secrets.push(person.password!)
  tick()
  const token = await signInPerson(server, person)
  secrets.push(token)
  const ok = await latest('login')
  assert.equal(ok.success, true)
  assert.equal(ok.personId, person.personId)
  assert.equal(ok.personInputIdentifier, person.email)
  assert.equal(ok.invokedByIdentityId, await identityOf(server.loginToken))
  assert.equal(ok.ipAddress, '127.0.0.1')
  assert.match(ok.metadata.sessionId, /^[0-9a-f-]{36}$/)

  await payload(server, 'mutation { configure(config: { login: { revealUserExists: false, baseBackoff: "PT0S", maxBackoff: "PT0S" } }) { ok } }')
  tick()
  const wrong = `Wrong-${randomBytes(3).toString('hex')}-9`
  secrets.push(wrong)
  const answer = await server.gql('mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { error { code } } }', { token: server.loginToken, variables: { e: person.email, p: wrong } })
  assert.equal(answer.body.data.signIn.error.code, 'INVALID_CREDENTIALS')
  const failed = await latest('login')
  assert.deepEqual([failed.success, failed.errorCode, failed.personId, failed.personInputIdentifier], [false, 'INVALID_PASSWORD', person.personId, person.email])
  tick()
  const unknown = `nobody-${randomBytes(3).toString('hex')}@example.com`
  await server.gql('mutation($e: String!) { signIn(email: $e, password: "Whatever-123") { ok } }', { token: server.loginToken, variables: { e: unknown } })
  const nobody = (await log({ personInputIdentifier: unknown })).entries
  assert.deepEqual(nobody.map((e) => [e.type, e.success, e.errorCode, e.personId]), [['login', false, 'UNKNOWN_EMAIL', null]])
  await payload(server, 'mutation { configure(config: { login: { revealUserExists: true, baseBackoff: null, maxBackoff: null } }) { ok } }')
})

test('create_session_token, password_change (own and another\'s), person_disable: who acted and on whom', async () => {
  const person = await signUpPerson(server)
  tick()
  const made = await payload(server, 'mutation($id: String!) { createSessionToken(personId: $id) { ok result { token } } }', { id: person.personId })
  secrets.push(made.result.token)
  const session = await latest('create_session_token')
  assert.deepEqual([session.success, session.targetPersonId, session.invokedByIdentityId], [true, person.personId, await identityOf(server.rootToken)])

  tick()
  const own = await signInPerson(server, person)
  const next = goodPassword()
  secrets.push(next)
  assert.equal((await payload(server, 'mutation($c: String!, $n: String!) { changeMyPassword(currentPassword: $c, newPassword: $n) { ok } }', { c: person.password, n: next }, own)).ok, true)
  const mine = await latest('password_change')
  assert.deepEqual([mine.personId, mine.targetPersonId, mine.invokedByIdentityId], [person.personId, null, person.identityId])
  tick()
  const third = goodPassword()
  secrets.push(third)
  assert.equal((await payload(server, 'mutation($id: String!, $p: String!) { changePassword(personId: $id, password: $p) { ok } }', { id: person.personId, p: third })).ok, true)
  const theirs = await latest('password_change')
  assert.deepEqual([theirs.personId, theirs.targetPersonId], [null, person.personId])

  tick()
  assert.equal((await payload(server, 'mutation($id: String!) { disablePerson(personId: $id) { ok } }', { id: person.personId })).ok, true)
  assert.equal((await latest('person_disable')).targetPersonId, person.personId)
})

test('session_revoked_by_user (success and SESSION_NOT_FOUND) and forced_sign_out (with its reason)', async () => {
  const person = await signUpPerson(server)
  const one = await signInPerson(server, person)
  await signInPerson(server, person)
  const sessions = (await server.gql('{ me { sessions { id isCurrent } } }', { token: one })).body.data.me.sessions as { id: string; isCurrent: boolean }[]
  const other = sessions.find((s) => !s.isCurrent)!
  tick()
  await payload(server, 'mutation($id: String!) { revokeSession(sessionId: $id) { ok } }', { id: other.id }, one)
  tick()
  await payload(server, 'mutation($id: String!) { revokeSession(sessionId: $id) { ok } }', { id: other.id }, one)
  const revoked = (await log({ types: ['session_revoked_by_user'], personId: person.personId })).entries
  assert.deepEqual(revoked.map((e) => [e.success, e.errorCode, e.metadata.sessionId]), [[false, 'SESSION_NOT_FOUND', other.id], [true, null, other.id]])
  tick()
  await payload(server, 'mutation($id: String!) { forceSignOutPerson(personId: $id, reason: "audit") { ok } }', { id: person.personId })
  const forced = await latest('forced_sign_out')
  assert.deepEqual([forced.targetPersonId, forced.metadata.reason, forced.metadata.sessions], [person.personId, 'audit', 1])
})

test('global_role_grant and global_role_revoke carry the roles before and after', async () => {
  const person = await signUpPerson(server)
  tick()
  await payload(server, 'mutation($id: String!) { addGlobalIdentityRoles(identityId: $id, roles: ["project_creator"]) { ok } }', { id: person.identityId })
  const grant = await latest('global_role_grant')
  assert.equal(grant.targetPersonId, person.personId)
  assert.deepEqual(grant.eventData, { identityId: person.identityId, roles: ['project_creator'], before: { roles: ['person'] }, after: { roles: ['person', 'project_creator'] } })
  tick()
  await payload(server, 'mutation($id: String!) { removeGlobalIdentityRoles(identityId: $id, roles: ["project_creator"]) { ok } }', { id: person.identityId })
  assert.deepEqual((await latest('global_role_revoke')).eventData.after, { roles: ['person'] })
})

test('project memberships (create, update, remove), API keys (create, disable) and tenant_config_change; tokens never logged', async () => {
  const slug = await newProject()
  const person = await signUpPerson(server)
  tick()
  await payload(server, 'mutation($s: String!, $id: String!) { addProjectMember(projectSlug: $s, identityId: $id, memberships: [{ role: "editor", variables: [] }]) { ok } }', { s: slug, id: person.identityId })
  tick()
  await payload(server, 'mutation($s: String!, $id: String!) { updateProjectMember(projectSlug: $s, identityId: $id, memberships: [{ role: "admin", variables: [] }]) { ok } }', { s: slug, id: person.identityId })
  tick()
  await payload(server, 'mutation($s: String!, $id: String!) { removeProjectMember(projectSlug: $s, identityId: $id) { ok } }', { s: slug, id: person.identityId })
  const changes = (await log({ targetPersonId: person.personId, types: ['project_membership_create', 'project_membership_update', 'project_membership_remove'] })).entries.reverse()
  assert.deepEqual(changes.map((e) => e.type), ['project_membership_create', 'project_membership_update', 'project_membership_remove'])
  assert.deepEqual(changes.map((e) => [e.eventData.projectSlug, e.eventData.before.map((m: { role: string }) => m.role), e.eventData.after.map((m: { role: string }) => m.role)]),
    [[slug, [], ['editor']], [slug, ['editor'], ['admin']], [slug, ['admin'], []]])

  tick()
  const key = await payload(server, 'mutation($s: String!) { createApiKey(projectSlug: $s, description: "app", memberships: [{ role: "editor", variables: [] }]) { result { apiKey { id token } } } }', { s: slug })
  secrets.push(key.result.apiKey.token)
  const created = await latest('api_key_create')
  assert.deepEqual([created.eventData.scope, created.eventData.projectSlug, created.eventData.apiKeyId], ['project', slug, key.result.apiKey.id])
  tick()
  const global = await payload(server, 'mutation { createGlobalApiKey(description: "robot", roles: ["login"]) { result { apiKey { id token } } } }')
  secrets.push(global.result.apiKey.token)
  assert.deepEqual([(await latest('api_key_create')).eventData.scope, (await latest('api_key_create')).eventData.roles], ['global', ['login']])
  tick()
  await payload(server, 'mutation($id: String!) { disableApiKey(id: $id) { ok } }', { id: key.result.apiKey.id })
  assert.equal((await latest('api_key_disable')).eventData.apiKeyId, key.result.apiKey.id)

  tick()
  await payload(server, 'mutation { configure(config: { password: { minLength: 9 } }) { ok } }')
  assert.deepEqual((await latest('tenant_config_change')).eventData, { input: { password: { minLength: 9 } } })
  await payload(server, 'mutation { configure(config: { password: { minLength: null } }) { ok } }')
})

test('2fa_enable and 2fa_disable (a prepared set-up cancelled turns nothing off)', async () => {
  const person = await signUpPerson(server)
  const token = await signInPerson(server, person)
  const prepared = await payload(server, 'mutation { prepareOtp { ok result { otpSecret } } }', {}, token)
  secrets.push(prepared.result.otpSecret)
  tick()
  const code = await generate({ secret: prepared.result.otpSecret, epoch: Math.floor(clock.now().getTime() / 1000) })
  assert.equal((await payload(server, 'mutation($c: String!) { confirmOtp(otpToken: $c) { ok error { code } } }', { c: code }, token)).ok, true)
  tick()
  assert.equal((await payload(server, 'mutation($p: String) { disableOtp(password: $p) { ok error { code } } }', { p: person.password }, token)).ok, true)
  const events = (await log({ personId: person.personId, types: ['2fa_enable', '2fa_disable'] })).entries
  assert.deepEqual(events.map((e) => e.type), ['2fa_disable', '2fa_enable'])
})

test('projects, mail templates, invites, password resets, passwordless sign-in and email flows are logged too', async () => {
  const slug = await newProject()
  const created = await latest('project_create')
  assert.deepEqual(created.eventData, { projectSlug: slug, name: slug })
  tick()
  await payload(server, 'mutation($s: String!) { updateProject(projectSlug: $s, name: "Renamed") { ok } }', { s: slug })
  assert.deepEqual([(await latest('project_update')).eventData.before.name, (await latest('project_update')).eventData.after.name], [slug, 'Renamed'])
  tick()
  const secret = `sec-${randomBytes(6).toString('hex')}`
  secrets.push(secret)
  await payload(server, 'mutation($s: String!, $v: String!) { setProjectSecret(projectSlug: $s, key: "api", value: $v) { ok } }', { s: slug, v: secret })
  assert.deepEqual((await latest('project_secret_change')).eventData, { projectSlug: slug, key: 'api' })
  tick()
  await payload(server, 'mutation($s: String!) { addMailTemplate(template: { projectSlug: $s, type: EXISTING_USER_INVITED, subject: "Hi", content: "Hello" }) { ok } }', { s: slug })
  tick()
  await payload(server, 'mutation($s: String!) { removeMailTemplate(templateIdentifier: { projectSlug: $s, type: EXISTING_USER_INVITED }) { ok } }', { s: slug })
  assert.deepEqual((await log({ types: ['mail_template_change'] }, 2)).entries.map((e) => e.eventData.action), ['remove', 'add'])

  tick()
  const email = `invited-${randomBytes(3).toString('hex')}@example.com`
  const invited = await payload(server, 'mutation($e: String!, $s: String!) { invite(email: $e, projectSlug: $s, memberships: [{ role: "editor", variables: [] }], options: { method: RESET_PASSWORD }) { ok result { person { id } } } }', { e: email, s: slug })
  const invite = await latest('person_invite')
  assert.deepEqual([invite.targetPersonId, invite.personInputIdentifier, invite.eventData.isNew, invite.eventData.unmanaged], [invited.result.person.id, email, true, false])

  tick()
  await payload(server, 'mutation($e: String!) { createResetPasswordRequest(email: $e) { ok } }', { e: email }, server.loginToken)
  const init = await latest('password_reset_init')
  assert.deepEqual([init.success, init.personId], [true, invited.result.person.id])
  tick()
  const nobody = `nobody-${randomBytes(3).toString('hex')}@example.com`
  await payload(server, 'mutation($e: String!) { createResetPasswordRequest(email: $e) { ok } }', { e: nobody }, server.loginToken)
  assert.deepEqual([(await latest('password_reset_init')).success, (await latest('password_reset_init')).personInputIdentifier], [false, nobody])
  tick()
  await payload(server, 'mutation { resetPassword(token: "0000000000000000000000000000000000000000", password: "Good-Password-123") { ok } }', {}, server.loginToken)
  assert.deepEqual([(await latest('password_reset')).success, (await latest('password_reset')).errorCode], [false, 'TOKEN_NOT_FOUND'])

  await payload(server, 'mutation { configure(config: { passwordless: { enabled: always } }) { ok } }')
  tick()
  const init2 = await payload(server, 'mutation($e: String!) { initSignInPasswordless(email: $e) { ok result { requestId } } }', { e: email }, server.loginToken)
  assert.equal((await latest('passwordless_login_init')).metadata.requestId, init2.result.requestId)
  tick()
  await payload(server, 'mutation($r: String!) { signInPasswordless(requestId: $r, validationType: token, token: "0000000000000000000000000000000000000000") { ok } }', { r: init2.result.requestId }, server.loginToken)
  assert.deepEqual([(await latest('passwordless_login')).success, (await latest('passwordless_login')).errorCode], [false, 'TOKEN_INVALID'])
  await payload(server, 'mutation { configure(config: { passwordless: { enabled: null } }) { ok } }')

  tick()
  const person = await signUpPerson(server)
  const session = await signInPerson(server, person)
  const next = `changed-${randomBytes(3).toString('hex')}@example.com`
  await payload(server, 'mutation($e: String!) { changeMyProfile(email: $e) { ok } }', { e: next }, session)
  assert.deepEqual((await latest('email_change')).eventData, { before: person.email, after: next })
  tick()
  await payload(server, 'mutation($e: String!) { requestEmailVerification(email: $e) { ok } }', { e: next }, server.loginToken)
  const verify = await latest('email_verify_init')
  assert.deepEqual([verify.personId, verify.personInputIdentifier], [person.personId, next])
})

test('filters: each field narrows, times bound the range, pages follow each other, a malformed id matches nothing', async () => {
  const all = await log({}, 500)
  assert.ok(all.entries.length >= 10)
  for (let i = 1; i < all.entries.length; i++) assert.ok(all.entries[i - 1]!.createdAt >= all.entries[i]!.createdAt, 'newest first')
  const failures = (await log({ success: false }, 500)).entries
  assert.ok(failures.length >= 2 && failures.every((e) => !e.success))
  const root = await identityOf(server.rootToken)
  const byRoot = (await log({ invokedByIdentityId: root }, 500)).entries
  assert.ok(byRoot.length > 0 && byRoot.every((e) => e.invokedByIdentityId === root))
  const pivot = all.entries[3]!.createdAt
  const after = (await log({ createdAfter: pivot }, 500)).entries
  const before = (await log({ createdBefore: pivot }, 500)).entries
  assert.ok(after.every((e) => e.createdAt >= pivot) && before.every((e) => e.createdAt < pivot))
  assert.equal(after.length + before.length, all.entries.length, 'after (inclusive) and before (exclusive) split the log')

  const first = await log({}, 2, 0)
  const second = await log({}, 2, 2)
  assert.equal(first.hasMore, true)
  assert.deepEqual([...first.entries, ...second.entries].map((e) => e.id), all.entries.slice(0, 4).map((e) => e.id))
  assert.equal((await log({}, 500, all.entries.length)).hasMore, false)
  assert.deepEqual(await log({ personId: 'not-a-uuid' }), { entries: [], hasMore: false })
  assert.deepEqual(await log({ types: ['no_such_type'] }), { entries: [], hasMore: false })
})

test('only super admins read it; no entry holds a password, token or OTP secret', async () => {
  const admin = await signUpPerson(server, { roles: ['project_admin'] })
  const { body } = await server.gql(LOG, { token: await signInPerson(server, admin) })
  assert.equal(body.data, null)
  assert.match(body.errors[0].message, /You are not allowed to view the audit log/)
  const text = JSON.stringify((await log({}, 500)).entries)
  for (const secret of secrets) assert.equal(text.includes(secret), false, 'a secret reached the auth log')
})
