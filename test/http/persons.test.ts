import assert from 'node:assert/strict'
import { test } from 'node:test'
import bcrypt from 'bcryptjs'
import { randomEmail } from '../helpers/fixtures.js'
import { counts, goodPassword, payload, personRow, personWithSession, signInAnswer, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

const server = await startServer()
const zeroId = '00000000-0000-0000-0000-000000000000'

const mutate = (query: string, variables?: Record<string, unknown>, token?: string) => payload(server, query, variables, token)

const SIGN_UP = `mutation($email: String!, $password: String, $passwordHash: String, $roles: [String!], $name: String) {
  signUp(email: $email, password: $password, passwordHash: $passwordHash, roles: $roles, name: $name) {
    ok errors { code } error { code developerMessage weakPasswordReasons }
    result { person { id email name otpEnabled identity { id roles person { id } } } } } }`
const CHANGE_PROFILE = 'mutation($id: String!, $email: String, $name: String) { changeProfile(personId: $id, email: $email, name: $name) { ok error { code } } }'
const CHANGE_MY_PROFILE = 'mutation($email: String, $name: String) { changeMyProfile(email: $email, name: $name) { ok error { code } } }'
const CHANGE_PASSWORD = 'mutation($id: String!, $password: String!) { changePassword(personId: $id, password: $password) { ok errors { code } error { code weakPasswordReasons } } }'
const CHANGE_MY_PASSWORD = 'mutation($current: String!, $new: String!) { changeMyPassword(currentPassword: $current, newPassword: $new) { ok error { code weakPasswordReasons } } }'
const DISABLE = 'mutation($id: String!) { disablePerson(personId: $id) { ok error { code } } }'
const CREATE_SESSION = 'mutation($email: String, $id: String) { createSessionToken(email: $email, personId: $id) { ok error { code } result { token person { id email } } } }'
const PERSON_BY_ID = 'query($id: String!) { personById(id: $id) { id email name otpEnabled identity { id roles } } }'
const PERSONS = 'query($filter: PersonsFilter, $limit: Int, $offset: Int) { persons(filter: $filter, limit: $limit, offset: $offset) { id email } }'

const sorted = (list: string[]) => [...list].sort()

test('signUp: answers the person with a normalised email, the email\'s local part as name, and the person role', async () => {
  const local = `Ada-${randomEmail().split('@')[0]}`
  const r = await mutate(SIGN_UP, { email: `  ${local}@Example.COM `, password: goodPassword() })
  assert.deepEqual({ ok: r.ok, errors: r.errors, error: r.error }, { ok: true, errors: [], error: null })
  const { id, identity, ...person } = r.result.person
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.deepEqual(person, { email: `${local.toLowerCase()}@example.com`, name: local.toLowerCase(), otpEnabled: false })
  assert.deepEqual(identity, { id: identity.id, roles: ['person'], person: { id } })
  const named = await mutate(SIGN_UP, { email: randomEmail(), password: goodPassword(), name: 'Ada Lovelace' })
  assert.equal(named.result.person.name, 'Ada Lovelace')
})

test('signUp: a taken email, also in another case or with whitespace, is EMAIL_ALREADY_EXISTS and changes nothing', async () => {
  const { email } = await signUpPerson(server)
  const before = await counts(server)
  for (const taken of [email, email.toUpperCase(), `  ${email}\t`]) {
    const r = await mutate(SIGN_UP, { email: taken, password: goodPassword() })
    assert.equal(r.ok, false, taken)
    assert.equal(r.error.code, 'EMAIL_ALREADY_EXISTS')
    assert.deepEqual(r.errors, [{ code: 'EMAIL_ALREADY_EXISTS' }])
    assert.equal(r.result, null)
  }
  assert.deepEqual(await counts(server), before)
})

test('signUp: EMAIL_ALREADY_EXISTS recommends SIGN_IN (a password is set) or RESET_PASSWORD (none), only while both reveal flags are on', async () => {
  const query = 'mutation($email: String!, $password: String) { signUp(email: $email, password: $password) { ok error { code recommendedAction } } }'
  const withPassword = await signUpPerson(server)
  const withoutPassword = await signUpPerson(server, { password: null })
  const again = async (email: string) => (await payload(server, query, { email, password: goodPassword() })).error
  assert.deepEqual(await again(withPassword.email), { code: 'EMAIL_ALREADY_EXISTS', recommendedAction: 'SIGN_IN' })
  assert.deepEqual(await again(withoutPassword.email), { code: 'EMAIL_ALREADY_EXISTS', recommendedAction: 'RESET_PASSWORD' })
  for (const flags of [{ revealLoginMethod: false }, { revealUserExists: false }]) {
    await payload(server, 'mutation($login: ConfigLoginInput) { configure(config: { login: $login }) { ok } }', { login: flags })
    assert.deepEqual(await again(withPassword.email), { code: 'EMAIL_ALREADY_EXISTS', recommendedAction: null }, JSON.stringify(flags))
    await payload(server, 'mutation { configure(config: { login: { revealUserExists: true, revealLoginMethod: true } }) { ok } }')
  }
})

test('signUp: a malformed email is INVALID_EMAIL_FORMAT and changes nothing', async () => {
  const before = await counts(server)
  for (const email of ['abc', '', '@example.com', 'ada@', 'ada@@example.com', 'ada@exa mple..com']) {
    const r = await mutate(SIGN_UP, { email, password: goodPassword() })
    assert.equal(r.error?.code, 'INVALID_EMAIL_FORMAT', JSON.stringify(email))
  }
  assert.deepEqual(await counts(server), before)
})

// The reference validates the email before taking its whitespace out: "a b@c.cz" is refused there.
test('signUp: an email with a space inside the local part is INVALID_EMAIL_FORMAT', {
}, async () => {
  const r = await mutate(SIGN_UP, { email: `a b${randomEmail()}`, password: goodPassword() })
  assert.equal(r.error?.code, 'INVALID_EMAIL_FORMAT')
})

test('signUp: a weak password is TOO_WEAK with every broken rule, and changes nothing', async () => {
  const before = await counts(server)
  const cases = [
    { password: 'abc', reasons: ['TOO_SHORT', 'MISSING_UPPERCASE', 'MISSING_DIGIT'] },
    { password: 'ABCDEFGH1', reasons: ['MISSING_LOWERCASE'] },
    { password: 'Password1', reasons: ['BLACKLISTED'] },
  ]
  for (const c of cases) {
    const r = await mutate(SIGN_UP, { email: randomEmail(), password: c.password })
    assert.equal(r.error?.code, 'TOO_WEAK', c.password)
    assert.deepEqual(sorted(r.error.weakPasswordReasons), sorted(c.reasons), c.password)
  }
  assert.deepEqual(await counts(server), before)
})

test('signUp: a bcrypt passwordHash signs in with its password and is rehashed to argon2id', async () => {
  const password = goodPassword()
  const passwordHash = await bcrypt.hash(password, 4)
  const r = await mutate(SIGN_UP, { email: randomEmail(), passwordHash })
  assert.equal(r.ok, true)
  const id = r.result.person.id
  assert.equal((await personRow(server, id))!.passwordHash, passwordHash)
  assert.equal(await signInAnswer(server, r.result.person.email, password), 'ok')
  assert.match((await personRow(server, id))!.passwordHash!, /^\$argon2id\$/)
  assert.equal(await signInAnswer(server, r.result.person.email, password), 'ok', 'the new hash holds the same password')
})

test('signUp: an unusable passwordHash is a UserInputError and changes nothing', async () => {
  const before = await counts(server)
  for (const variables of [
    { passwordHash: 'plain text, not a hash' },
    { passwordHash: '$2b$garbage' },
  ]) {
    const { status, body } = await server.gql(SIGN_UP, { variables: { email: randomEmail(), ...variables } })
    assert.equal(status, 200)
    assert.equal(body.data.signUp, null)
    assert.equal(body.errors[0].extensions.code, 'UserInputError', JSON.stringify(variables))
    assert.deepEqual(body.errors[0].path, ['signUp'])
  }
  assert.deepEqual(await counts(server), before)
})

test('signUp: root may give any global roles', async () => {
  const r = await mutate(SIGN_UP, { email: randomEmail(), password: goodPassword(), roles: ['project_admin', 'super_admin'] })
  assert.deepEqual(sorted(r.result.person.identity.roles), ['person', 'project_admin', 'super_admin'])
})

test('signUp: five at once with one email make exactly one person; the others are EMAIL_ALREADY_EXISTS', async () => {
  const email = randomEmail()
  const before = await counts(server)
  const results = await Promise.all(Array.from({ length: 5 }, () => mutate(SIGN_UP, { email, password: goodPassword() })))
  assert.equal(results.filter((r) => r.ok).length, 1)
  assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.error.code), Array(4).fill('EMAIL_ALREADY_EXISTS'))
  const { rows } = await server.app.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM person WHERE email = $1', [email])
  assert.equal(rows[0]!.n, 1)
  const after = await counts(server)
  assert.deepEqual({ persons: after.persons - before.persons, identities: after.identities - before.identities }, { persons: 1, identities: 1 })
})

test('changeProfile: sets email (normalised) and name; a left-out field stays, name null clears it', async () => {
  const p = await signUpPerson(server)
  const email = randomEmail()
  assert.deepEqual(await mutate(CHANGE_PROFILE, { id: p.personId, email: ` ${email.toUpperCase()} `, name: 'New Name' }), { ok: true, error: null })
  const changed = await personRow(server, p.personId)
  assert.deepEqual({ email: changed!.email, name: changed!.name }, { email, name: 'New Name' })
  assert.equal((await mutate(CHANGE_PROFILE, { id: p.personId, email })).ok, true, 'its own email again')
  assert.equal((await personRow(server, p.personId))!.name, 'New Name')
  assert.equal((await mutate(CHANGE_PROFILE, { id: p.personId, name: null })).ok, true)
  assert.equal((await personRow(server, p.personId))!.name, null)
  assert.equal((await personRow(server, p.personId))!.email, email)
})

test('changeProfile: PERSON_NOT_FOUND, INVALID_EMAIL_FORMAT (also email null) and EMAIL_ALREADY_EXISTS change nothing', async () => {
  const p = await signUpPerson(server)
  const other = await signUpPerson(server)
  const before = await personRow(server, p.personId)
  const cases = [
    { variables: { id: zeroId, name: 'X' }, code: 'PERSON_NOT_FOUND' },
    { variables: { id: 'not-a-uuid', name: 'X' }, code: 'PERSON_NOT_FOUND' },
    { variables: { id: p.personId, email: 'abc', name: 'X' }, code: 'INVALID_EMAIL_FORMAT' },
    { variables: { id: p.personId, email: null, name: 'X' }, code: 'INVALID_EMAIL_FORMAT' },
    { variables: { id: p.personId, email: other.email.toUpperCase(), name: 'X' }, code: 'EMAIL_ALREADY_EXISTS' },
  ]
  for (const c of cases) {
    const r = await mutate(CHANGE_PROFILE, c.variables)
    assert.deepEqual({ ok: r.ok, code: r.error?.code }, { ok: false, code: c.code }, JSON.stringify(c.variables))
  }
  assert.deepEqual(await personRow(server, p.personId), before)
})

test('changeMyProfile: changes the caller\'s own person; its errors change nothing; the login token is NOT_A_PERSON', async () => {
  const me = await personWithSession(server)
  const other = await signUpPerson(server)
  const email = randomEmail()
  assert.deepEqual(await mutate(CHANGE_MY_PROFILE, { email: email.toUpperCase(), name: 'Me' }, me.token), { ok: true, error: null })
  assert.deepEqual(await mutate(CHANGE_MY_PROFILE, { name: null }, me.token), { ok: true, error: null })
  const after = await personRow(server, me.personId)
  assert.deepEqual({ email: after!.email, name: after!.name }, { email, name: null })
  for (const [variables, code] of [[{ email: other.email }, 'EMAIL_ALREADY_EXISTS'], [{ email: 'abc' }, 'INVALID_EMAIL_FORMAT'], [{ email: null }, 'INVALID_EMAIL_FORMAT']] as const) {
    assert.equal((await mutate(CHANGE_MY_PROFILE, { ...variables, name: 'X' }, me.token)).error?.code, code)
  }
  assert.deepEqual(await personRow(server, me.personId), after)
  assert.deepEqual(await mutate(CHANGE_MY_PROFILE, { name: 'X' }, server.loginToken), { ok: false, error: { code: 'NOT_A_PERSON' } })
})

test('changePassword: the new password signs in and the old one does not', async () => {
  const p = await signUpPerson(server)
  const password = goodPassword()
  assert.deepEqual(await mutate(CHANGE_PASSWORD, { id: p.personId, password }), { ok: true, errors: [], error: null })
  assert.equal(await signInAnswer(server, p.email, password), 'ok')
  assert.equal(await signInAnswer(server, p.email, p.password!), 'INVALID_PASSWORD')
})

test('changePassword: TOO_WEAK (with reasons) and PERSON_NOT_FOUND change nothing', async () => {
  const p = await signUpPerson(server)
  const before = await personRow(server, p.personId)
  const weak = await mutate(CHANGE_PASSWORD, { id: p.personId, password: 'qvzk' })
  assert.equal(weak.error.code, 'TOO_WEAK')
  assert.deepEqual(sorted(weak.error.weakPasswordReasons), ['MISSING_DIGIT', 'MISSING_UPPERCASE', 'TOO_SHORT'])
  for (const id of [zeroId, 'not-a-uuid']) {
    assert.deepEqual((await mutate(CHANGE_PASSWORD, { id, password: goodPassword() })).errors, [{ code: 'PERSON_NOT_FOUND' }])
  }
  assert.deepEqual(await personRow(server, p.personId), before)
})

test('changeMyPassword: with the current password it changes it; the session stays valid', async () => {
  const me = await personWithSession(server)
  const password = goodPassword()
  assert.deepEqual(await mutate(CHANGE_MY_PASSWORD, { current: me.password, new: password }, me.token), { ok: true, error: null })
  assert.equal((await server.gql('{ me { person { id } } }', { token: me.token })).body.data.me.person.id, me.personId)
  assert.equal(await signInAnswer(server, me.email, password), 'ok')
  assert.equal(await signInAnswer(server, me.email, me.password!), 'INVALID_PASSWORD')
})

test('changeMyPassword: TOO_WEAK, INVALID_PASSWORD, NO_PASSWORD_SET and NOT_A_PERSON change nothing', async () => {
  const me = await personWithSession(server)
  const before = await personRow(server, me.personId)
  const weak = await mutate(CHANGE_MY_PASSWORD, { current: me.password, new: 'weakling' }, me.token)
  assert.equal(weak.error.code, 'TOO_WEAK')
  assert.deepEqual(sorted(weak.error.weakPasswordReasons), ['MISSING_DIGIT', 'MISSING_UPPERCASE'])
  const wrong = await mutate(CHANGE_MY_PASSWORD, { current: 'Not-the-password-1', new: goodPassword() }, me.token)
  assert.deepEqual(wrong.error, { code: 'INVALID_PASSWORD', weakPasswordReasons: null })
  assert.deepEqual(await personRow(server, me.personId), before)

  const noPassword = await signUpPerson(server, { password: null })
  const session = await mutate(CREATE_SESSION, { id: noPassword.personId })
  const none = await mutate(CHANGE_MY_PASSWORD, { current: 'anything', new: goodPassword() }, session.result.token)
  assert.equal(none.error.code, 'NO_PASSWORD_SET')
  assert.equal((await personRow(server, noPassword.personId))!.passwordHash, null)

  const login = await mutate(CHANGE_MY_PASSWORD, { current: 'anything', new: goodPassword() }, server.loginToken)
  assert.equal(login.error.code, 'NOT_A_PERSON')
})

test('disablePerson: the person\'s session gets 401 at once and signIn is PERSON_DISABLED; again is PERSON_ALREADY_DISABLED; unknown is PERSON_NOT_FOUND', async () => {
  const p = await personWithSession(server)
  assert.equal((await server.gql('{ me { id } }', { token: p.token })).status, 200)
  assert.deepEqual(await mutate(DISABLE, { id: p.personId }), { ok: true, error: null })
  const after = await server.gql('{ me { id } }', { token: p.token })
  assert.equal(after.status, 401)
  assert.equal(after.body.errors[0].code, 401)
  assert.equal(await signInAnswer(server, p.email, p.password!), 'PERSON_DISABLED')
  const disabledAt = (await personRow(server, p.personId))!.disabledAt
  assert.deepEqual(await mutate(DISABLE, { id: p.personId }), { ok: false, error: { code: 'PERSON_ALREADY_DISABLED' } })
  assert.deepEqual((await personRow(server, p.personId))!.disabledAt, disabledAt, 'the first time is kept')
  for (const id of [zeroId, 'not-a-uuid']) assert.deepEqual(await mutate(DISABLE, { id }), { ok: false, error: { code: 'PERSON_NOT_FOUND' } })
})

test('personById: root sees the person; an unknown or malformed id is null', async () => {
  const p = await signUpPerson(server, { roles: ['project_admin'] })
  const { body } = await server.gql(PERSON_BY_ID, { variables: { id: p.personId } })
  assert.deepEqual(body.data.personById, {
    id: p.personId, email: p.email, name: p.email.split('@')[0], otpEnabled: false,
    identity: { id: p.identityId, roles: ['project_admin', 'person'] },
  })
  for (const id of [zeroId, 'not-a-uuid']) {
    const r = await server.gql(PERSON_BY_ID, { variables: { id } })
    assert.deepEqual(r.body, { data: { personById: null } })
  }
})

test('persons: filters by email (any case), personId and identityId; malformed ids match nobody', async () => {
  const p = await signUpPerson(server)
  await signUpPerson(server)
  const list = async (filter: Record<string, string>) => (await server.gql(PERSONS, { variables: { filter } })).body.data.persons
  const expected = [{ id: p.personId, email: p.email }]
  assert.deepEqual(await list({ email: ` ${p.email.toUpperCase()}` }), expected)
  assert.deepEqual(await list({ personId: p.personId }), expected)
  assert.deepEqual(await list({ identityId: p.identityId }), expected)
  assert.deepEqual(await list({ personId: p.personId, email: p.email, identityId: p.identityId }), expected)
  assert.deepEqual(await list({ personId: p.personId, email: randomEmail() }), [])
  assert.deepEqual(await list({ personId: 'not-a-uuid' }), [])
  assert.deepEqual(await list({ identityId: 'not-a-uuid' }), [])
})

// persons.ts says a non-UUID id "matches nobody (and must not reach PostgreSQL as one)"; "" slips past.
test('persons: an empty personId or identityId matches nobody', {
}, async () => {
  for (const filter of [{ personId: '' }, { identityId: '' }]) {
    const { status, body } = await server.gql(PERSONS, { variables: { filter } })
    assert.deepEqual({ status, body }, { status: 200, body: { data: { persons: [] } } }, JSON.stringify(filter))
  }
})

test('persons: oldest first, paged by limit and offset; a limit over 1000 is an error', async () => {
  const made = [await signUpPerson(server), await signUpPerson(server), await signUpPerson(server)]
  const page = async (variables: Record<string, number>) => (await server.gql(PERSONS, { variables })).body.data.persons.map((p: { id: string }) => p.id)
  const all = await page({ limit: 1000 })
  assert.deepEqual(all.slice(-3), made.map((p) => p.personId))
  assert.deepEqual(await page({ limit: 2, offset: all.length - 3 }), made.slice(0, 2).map((p) => p.personId))
  assert.deepEqual(await page({ limit: 2, offset: all.length - 1 }), [made[2]!.personId])
  assert.deepEqual(await page({ limit: 0 }), [])
  const over = await server.gql(PERSONS, { variables: { limit: 1001 } })
  assert.equal(over.body.data, null)
  assert.equal(over.body.errors[0].extensions.code, 'UserInputError')
})

test('createSessionToken: by email (any case) or personId, the token acts as the person', async () => {
  const p = await signUpPerson(server)
  for (const variables of [{ email: p.email.toUpperCase() }, { id: p.personId }]) {
    const r = await mutate(CREATE_SESSION, variables)
    assert.equal(r.ok, true)
    assert.match(r.result.token, /^[0-9a-f]{40}$/)
    assert.deepEqual(r.result.person, { id: p.personId, email: p.email })
    const me = await server.gql('{ me { id person { id } } }', { token: r.result.token })
    assert.deepEqual(me.body.data.me, { id: p.identityId, person: { id: p.personId } })
  }
})

test('createSessionToken: UNKNOWN_EMAIL, UNKNOWN_PERSON_ID and PERSON_DISABLED make no session; neither argument is a UserInputError', async () => {
  const disabled = await signUpPerson(server)
  assert.equal((await mutate(DISABLE, { id: disabled.personId })).ok, true)
  const before = await counts(server)
  const cases = [
    { variables: { email: randomEmail() }, code: 'UNKNOWN_EMAIL' },
    { variables: { id: zeroId }, code: 'UNKNOWN_PERSON_ID' },
    { variables: { id: 'not-a-uuid' }, code: 'UNKNOWN_PERSON_ID' },
    { variables: { email: disabled.email }, code: 'PERSON_DISABLED' },
    { variables: { id: disabled.personId }, code: 'PERSON_DISABLED' },
  ]
  for (const c of cases) {
    assert.deepEqual(await mutate(CREATE_SESSION, c.variables), { ok: false, error: { code: c.code }, result: null }, JSON.stringify(c.variables))
  }
  const neither = await server.gql(CREATE_SESSION, { variables: {} })
  assert.equal(neither.body.data.createSessionToken, null)
  assert.equal(neither.body.errors[0].extensions.code, 'UserInputError')
  assert.deepEqual(await counts(server), before)
})
