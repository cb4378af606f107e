import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generate } from 'otplib'
import { manualClock } from '../../src/model/clock.js'
import { forgetQuietFailures } from '../../src/model/sessions/backoff.js'
import { randomEmail } from '../helpers/fixtures.js'
import { goodPassword, identityWithToken, payload, personWithSession, signUpPerson } from '../helpers/persons.js'
import { persistentDb, startServer } from '../helpers/server.js'

// What a caller holding a stolen session, the public login token or a project admin's rights
// tried in the attack audit, each shown to fail (SECURITY.md lists them).

const clock = manualClock(new Date('2026-09-01T08:00:00Z'))
const server = await startServer({ clock })

const SIGN_IN = 'mutation($e: String!, $p: String!, $o: String) { signIn(email: $e, password: $p, otpToken: $o) { ok error { code retryAfter } } }'
const signIn = (email: string, password: string, otp?: string) => payload(server, SIGN_IN, { e: email, p: password, o: otp ?? null }, server.loginToken)
const CHANGE_MY = 'mutation($c: String!, $n: String!) { changeMyPassword(currentPassword: $c, newPassword: $n) { ok error { code developerMessage } } }'
const status = async (token: string) => (await server.gql('{ me { id } }', { token })).status

test('back-off: 20 concurrent guesses of one email get one password check; the right password among them waits', async () => {
  const person = await signUpPerson(server)
  const guesses = Array.from({ length: 19 }, (_, i) => signIn(person.email, `Wrong-${i}-Guess`))
  const answers = await Promise.all([...guesses, signIn(person.email, person.password!)])
  const checked = answers.filter((a) => a.ok || a.error.code !== 'RATE_LIMIT_EXCEEDED')
  assert.equal(checked.length, 1, JSON.stringify(answers.map((a) => a.ok || a.error.code)))
  clock.advance(120_000)
})

test('back-off: concurrent OTP guesses after the right password get one code check', async () => {
  const person = await personWithSession(server)
  const prepared = await payload(server, 'mutation { prepareOtp { result { otpSecret } } }', {}, person.token)
  const secret = prepared.result.otpSecret
  const code = () => generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })
  assert.equal((await payload(server, 'mutation($t: String!) { confirmOtp(otpToken: $t) { ok } }', { t: await code() }, person.token)).ok, true)
  clock.advance(30_000)
  const right = await code()
  const wrong = right === '000000' ? '111111' : '000000'
  const answers = await Promise.all(Array.from({ length: 15 }, () => signIn(person.email, person.password!, wrong)))
  assert.equal(answers.filter((a) => a.error.code === 'INVALID_OTP_TOKEN').length, 1, JSON.stringify(answers.map((a) => a.error.code)))
  // The two-step flow still works: without a code first, then with it, at once.
  clock.advance(120_000)
  assert.equal((await signIn(person.email, person.password!)).error.code, 'OTP_REQUIRED')
  assert.equal((await signIn(person.email, person.password!, await code())).ok, true)
})

test('back-off: failure counters older than the attempt window are pruned; live ones stay', async () => {
  const [old, live] = [randomEmail(), randomEmail()]
  const insert = 'INSERT INTO sign_in_failure (email, failures, first_failed_at, last_failed_at) VALUES ($1, 3, $2, $2)'
  await server.app.deps.db.query(insert, [old, new Date(clock.now().getTime() - 6 * 60_000)])
  await server.app.deps.db.query(insert, [live, new Date(clock.now().getTime() - 60_000)])
  assert.ok(await forgetQuietFailures(server.app.deps) >= 1)
  const { rows } = await server.app.deps.db.query<{ email: string }>('SELECT email FROM sign_in_failure WHERE email = ANY($1)', [[old, live]])
  assert.deepEqual(rows.map((r) => r.email), [live])
})

test('stolen session: changeMyPassword checks the current password first, and its guesses back off', async () => {
  const person = await personWithSession(server)
  const weakWithWrongCurrent = await payload(server, CHANGE_MY, { c: 'Not-The-Password-1', n: 'x' }, person.token)
  assert.equal(weakWithWrongCurrent.error.code, 'INVALID_PASSWORD')
  const second = await payload(server, CHANGE_MY, { c: 'Not-The-Password-2', n: goodPassword() }, person.token)
  assert.equal(second.error.code, 'INVALID_PASSWORD')
  assert.match(second.error.developerMessage, /Too many failed attempts/)
  // Guesses through the session count for sign-in as well: one back-off per email.
  assert.equal((await signIn(person.email, person.password!)).error.code, 'RATE_LIMIT_EXCEEDED')
  clock.advance(120_000)
  const weak = await payload(server, CHANGE_MY, { c: person.password, n: 'short' }, person.token)
  assert.equal(weak.error.code, 'TOO_WEAK')
})

test('stolen session: a password change ends every other session of the person; an admin\'s change ends them all', async () => {
  const person = await personWithSession(server)
  const second = await payload(server, SIGN_IN.replace('$o: String', '$o: String').replace('ok error { code retryAfter }', 'result { token }'),
    { e: person.email, p: person.password, o: null }, server.loginToken)
  const other = second.result.token as string
  const next = goodPassword()
  assert.equal((await payload(server, CHANGE_MY, { c: person.password, n: next }, person.token)).ok, true)
  assert.equal(await status(person.token), 200, 'the session that changed it stays')
  assert.equal(await status(other), 401, 'the other session ended')
  const r = await payload(server, 'mutation($id: String!, $p: String!) { changePassword(personId: $id, password: $p) { ok } }', { id: person.personId, p: goodPassword() })
  assert.equal(r.ok, true)
  assert.equal(await status(person.token), 401)
})

test('stolen session: disableOtp and replacing an active setup need the password or a code unless the sign-in is fresh', async () => {
  const person = await personWithSession(server)
  const secret = (await payload(server, 'mutation { prepareOtp { result { otpSecret } } }', {}, person.token)).result.otpSecret
  const code = () => generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })
  assert.equal((await payload(server, 'mutation($t: String!) { confirmOtp(otpToken: $t) { ok } }', { t: await code() }, person.token)).ok, true)
  clock.advance(6 * 60_000)
  const DISABLE = 'mutation($p: String, $t: String) { disableOtp(password: $p, otpToken: $t) { ok error { code } } }'
  const PREPARE = 'mutation($p: String, $t: String) { prepareOtp(password: $p, otpToken: $t) { ok } }'
  for (const query of [DISABLE, PREPARE]) {
    for (const proof of [{}, { p: 'Wrong-Password-9' }, { t: '000000' === await code() ? '111111' : '000000' }]) {
      const { body } = await server.gql(query, { token: person.token, variables: proof })
      assert.equal(body.errors?.[0]?.extensions?.code, 'ForbiddenError', `${query} ${JSON.stringify(proof)}: ${JSON.stringify(body)}`)
      clock.advance(120_000)
    }
  }
  const me = async () => (await server.gql('{ me { person { otpEnabled } } }', { token: person.token })).body.data.me.person.otpEnabled
  assert.equal(await me(), true, 'nothing changed')
  assert.equal((await payload(server, DISABLE, { p: person.password }, person.token)).ok, true)
  assert.equal(await me(), false)
  // A session that has just signed in needs no second proof (Contember's clients enrol and
  // disable right after signing in).
  const fresh = await personWithSession(server)
  const s2 = (await payload(server, 'mutation { prepareOtp { result { otpSecret } } }', {}, fresh.token)).result.otpSecret
  const code2 = await generate({ secret: s2, epoch: Math.floor(clock.now().getTime() / 1000) })
  assert.equal((await payload(server, 'mutation($t: String!) { confirmOtp(otpToken: $t) { ok } }', { t: code2 }, fresh.token)).ok, true)
  assert.equal((await payload(server, 'mutation { disableOtp { ok } }', {}, fresh.token)).ok, true)
})

test('imported hashes: parameters over the ceilings are refused at sign-up; a stored one never runs', async () => {
  const salt = Buffer.from('saltsaltsaltsalt').toString('base64').replace(/=+$/, '')
  const costly = [
    `$argon2id$v=19$m=19456,t=4294967295,p=1$${salt}$${'A'.repeat(43)}`,
    `$argon2id$v=19$m=4194304,t=2,p=1$${salt}$${'A'.repeat(43)}`,
    `$argon2id$v=19$m=19456,t=2,p=64$${salt}$${'A'.repeat(43)}`,
    `$2b$31$${'a'.repeat(53)}`,
    `$2b$15$${'a'.repeat(53)}`,
  ]
  for (const hash of costly) {
    const { body } = await server.gql('mutation($e: String!, $h: String) { signUp(email: $e, passwordHash: $h) { ok } }', { variables: { e: randomEmail(), h: hash } })
    assert.equal(body.errors?.[0]?.extensions?.code, 'UserInputError', hash)
    assert.match(body.errors[0].message, /too costly/)
  }
  const atCeiling = await server.gql('mutation($e: String!, $h: String) { signUp(email: $e, passwordHash: $h) { ok } }', { variables: { e: randomEmail(), h: `$2b$14$${'a'.repeat(53)}` } })
  assert.equal(atCeiling.body.data.signUp.ok, true)
  // Stored before the ceilings existed: answered as a wrong password, without hashing.
  const person = await signUpPerson(server)
  await server.app.deps.db.query('UPDATE person SET password_hash = $2 WHERE id = $1', [person.personId, costly[0]])
  const started = Date.now()
  assert.equal((await signIn(person.email, 'Anything-1')).error.code, 'INVALID_PASSWORD')
  assert.ok(Date.now() - started < 5000)
  clock.advance(120_000)
})

async function bootstrapKeys() {
  const { rows } = await server.app.deps.db.query<{ name: string; keyId: string; identityId: string }>(
    `SELECT b.name, b.api_key_id AS "keyId", k.identity_id AS "identityId" FROM bootstrap_key b JOIN api_key k ON k.id = b.api_key_id`)
  return Object.fromEntries(rows.map((r) => [r.name, r])) as unknown as Record<'root' | 'login', { keyId: string; identityId: string }>
}

test('special tokens: nobody changes the roles, keys or memberships of the root and login identities through the API', async () => {
  const keys = await bootstrapKeys()
  const pa = await identityWithToken(server, ['project_admin'])
  const forbidden = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const { body } = await server.gql(query, { token, variables })
    assert.equal(body.errors?.[0]?.extensions?.code, 'ForbiddenError', `${query}: ${JSON.stringify(body)}`)
  }
  const ADD_ROLES = 'mutation($id: String!, $r: [String!]!) { addGlobalIdentityRoles(identityId: $id, roles: $r) { ok } }'
  const REMOVE_ROLES = 'mutation($id: String!, $r: [String!]!) { removeGlobalIdentityRoles(identityId: $id, roles: $r) { ok } }'
  await forbidden(ADD_ROLES, { id: keys.login.identityId, r: ['project_admin'] }, pa.token)
  await forbidden(REMOVE_ROLES, { id: keys.login.identityId, r: ['login'] }, pa.token)
  await forbidden(REMOVE_ROLES, { id: keys.root.identityId, r: ['super_admin'] }, pa.token)
  await forbidden(ADD_ROLES, { id: keys.login.identityId, r: ['project_admin'] })
  for (const id of [keys.login.keyId, keys.root.keyId]) {
    await forbidden('mutation($id: String!) { disableApiKey(id: $id) { ok } }', { id }, pa.token)
    await forbidden('mutation($id: String!) { disableApiKey(id: $id) { ok } }', { id })
  }
  const slug = `sp-${randomBytes(4).toString('hex')}`
  assert.equal((await payload(server, 'mutation($s: String!) { createProject(projectSlug: $s) { ok } }', { s: slug })).ok, true)
  await forbidden('mutation($s: String!, $id: String!) { addProjectMember(projectSlug: $s, identityId: $id, memberships: [{ role: "admin", variables: [] }]) { ok } }',
    { s: slug, id: keys.login.identityId })
  assert.deepEqual((await server.gql('{ me { roles } }', { token: server.loginToken })).body.data.me.roles, ['login'])
  assert.equal(await status(server.rootToken), 200)
})

test('special tokens: a start restores their roles and keys, whatever the database says', async () => {
  const store = await persistentDb()
  const first = await startServer({ db: await store.reopen() })
  const { rows } = await first.app.deps.db.query<{ name: string; keyId: string; identityId: string }>(
    `SELECT b.name, b.api_key_id AS "keyId", k.identity_id AS "identityId" FROM bootstrap_key b JOIN api_key k ON k.id = b.api_key_id`)
  const keys = Object.fromEntries(rows.map((r) => [r.name, r]))
  await first.app.deps.db.query(`UPDATE identity SET roles = ARRAY['login', 'project_admin'] WHERE id = $1`, [keys.login!.identityId])
  await first.app.deps.db.query('UPDATE api_key SET disabled_at = now() WHERE id = $1', [keys.root!.keyId])
  await first.close()
  const again = await startServer({ db: await store.reopen(), env: { CONTEMBER_ROOT_TOKEN: first.rootToken, CONTEMBER_LOGIN_TOKEN: first.loginToken } })
  assert.deepEqual((await again.gql('{ me { roles } }', { token: again.loginToken })).body.data.me.roles, ['login'])
  assert.equal((await again.gql('{ me { id } }', { token: again.rootToken })).status, 200)
})

test('special tokens: the root person cannot be disabled', async () => {
  const email = randomEmail()
  const rooted = await startServer({ env: { CONTEMBER_ROOT_EMAIL: email, CONTEMBER_ROOT_PASSWORD: 'Root-Person-42' } })
  const person = (await rooted.gql('{ me { person { id } } }')).body.data.me.person
  const { body } = await rooted.gql('mutation($id: String!) { disablePerson(personId: $id) { ok } }', { variables: { id: person.id } })
  assert.equal(body.errors?.[0]?.extensions?.code, 'ForbiddenError')
  assert.equal((await rooted.gql('{ me { id } }')).status, 200)
})

test('project admin: may not act as, or on, a person holding a role it cannot grant (introspector)', async () => {
  const pa = await identityWithToken(server, ['project_admin'])
  const introspector = await signUpPerson(server, { roles: ['introspector'] })
  const calls = [
    ['mutation($id: String!) { createSessionToken(personId: $id) { ok } }', { id: introspector.personId }],
    ['mutation($id: String!) { changePassword(personId: $id, password: "Taken-Over-42") { ok } }', { id: introspector.personId }],
    ['mutation($id: String!) { changeProfile(personId: $id, email: "mine@example.com") { ok } }', { id: introspector.personId }],
    ['mutation($id: String!) { disablePerson(personId: $id) { ok } }', { id: introspector.personId }],
    ['mutation($id: String!) { removeGlobalIdentityRoles(identityId: $id, roles: ["introspector"]) { ok } }', { id: introspector.identityId }],
  ] as const
  for (const [query, variables] of calls) {
    const { body } = await server.gql(query, { token: pa.token, variables })
    assert.equal(body.errors?.[0]?.extensions?.code, 'ForbiddenError', `${query}: ${JSON.stringify(body)}`)
  }
  assert.equal((await signIn(introspector.email, introspector.password!)).ok, true, 'the person is untouched')
})

test('Identity.projects: a super admin\'s projects, seen by a project member, are only those it may see', async () => {
  const acl = { roles: { reader: { tenant: { view: { admin: true, reader: true } } } } }
  const mine = `mine-${randomBytes(4).toString('hex')}`
  const secret = `secret-${randomBytes(4).toString('hex')}`
  for (const s of [mine, secret]) {
    assert.equal((await payload(server, 'mutation($s: String!, $c: Json) { createProject(projectSlug: $s, config: $c, options: { noDeployToken: true }) { ok } }', { s, c: { acl } })).ok, true)
  }
  const reader = await personWithSession(server)
  const admin = await signUpPerson(server, { roles: ['super_admin'] })
  for (const id of [reader.identityId, admin.identityId]) {
    assert.equal((await payload(server, 'mutation($s: String!, $id: String!) { addProjectMember(projectSlug: $s, identityId: $id, memberships: [{ role: "reader", variables: [] }]) { ok } }', { s: mine, id })).ok, true)
  }
  const Q = 'query($s: String!, $id: String!) { projectBySlug(slug: $s) { members(input: { filter: { identityId: [$id] } }) { identity { projects { project { slug config } } } } } }'
  const seen = await payload(server, Q, { s: mine, id: admin.identityId }, reader.token)
  const slugs = seen.members[0].identity.projects.map((p: { project: { slug: string } }) => p.project.slug)
  assert.ok(slugs.includes(mine), JSON.stringify(slugs))
  assert.ok(!slugs.includes(secret), `${secret} leaked: ${JSON.stringify(slugs)}`)
  const byRoot = await payload(server, Q, { s: mine, id: admin.identityId })
  assert.ok(byRoot.members[0].identity.projects.some((p: { project: { slug: string } }) => p.project.slug === secret))
})
