import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { counts, goodPassword, identityWithToken, personRow, personWithSession, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

const server = await startServer()

// What each caller may do, over HTTP. `true`: the call goes through (ok: true, or the data asked
// for). `false`: a GraphQL error with extensions.code "ForbiddenError" and the field null, except
// personById, which answers null to a caller who may not view persons (as the reference does).
// Anything else shows up in the table as a description of the unexpected answer.
type Outcome = boolean | string

const columns = [
  'signUp', 'signUpSuperAdmin', 'signIn', 'createSessionToken', 'changePassword', 'changeProfile',
  'disablePerson', 'personById', 'persons', 'configuration', 'configure', 'prepareOtp',
] as const
type Operation = typeof columns[number]

const Y = true
const N = false
const expected: Record<string, readonly boolean[]> = {
  //                          signUp  SA  signIn  session  chPass  chProf  disable  byId  persons  config  configure  otp
  'root (super_admin)':      [Y,      Y,  Y,      Y,       Y,      Y,      Y,       Y,    Y,       Y,      Y,         N],
  'login token':             [N,      N,  Y,      N,       N,      N,      N,       N,    N,       N,      N,         N],
  'person':                  [N,      N,  N,      N,       N,      N,      N,       N,    N,       N,      N,         Y],
  'project_admin person':    [Y,      N,  N,      Y,       Y,      Y,      Y,       Y,    Y,       Y,      Y,         Y],
  'project_admin key':       [Y,      N,  N,      Y,       Y,      Y,      Y,       Y,    Y,       Y,      Y,         N],
  'project_creator person':  [N,      N,  N,      N,       N,      N,      N,       N,    N,       N,      N,         Y],
}
// prepareOtp is set-up of the caller's own person: the root token (here without a person) and
// identities without one are refused like any other forbidden call.

async function callers(): Promise<Record<string, string>> {
  return {
    'root (super_admin)': server.rootToken,
    'login token': server.loginToken,
    'person': (await personWithSession(server)).token,
    'project_admin person': (await personWithSession(server, { roles: ['project_admin'] })).token,
    'project_admin key': (await identityWithToken(server, ['project_admin'])).token,
    'project_creator person': (await personWithSession(server, { roles: ['project_creator'] })).token,
  }
}

// A refused non-null query field leaves no data at all: HTTP 400, `data: null` (as the reference
// answers for `configuration`).
const nonNullQueries = new Set(['configuration', 'persons'])

/** Sends one operation; `judge` reads the field's value when no error came back. */
async function attempt(token: string, query: string, variables: Record<string, unknown>, judge: (value: any) => Outcome): Promise<Outcome> {
  const { status, body } = await server.gql(query, { token, variables })
  const field = /\{\s*(\w+)/.exec(query)![1]!
  if (body.errors) {
    const refused = body.errors.length === 1 && body.errors[0].extensions?.code === 'ForbiddenError' &&
      (nonNullQueries.has(field) ? status === 400 && body.data === null : status === 200 && body.data?.[field] === null)
    return refused ? false : `HTTP ${status} ${JSON.stringify(body)}`
  }
  return judge(body.data[field])
}

const okPayload = (r: { ok: boolean; error?: unknown }): Outcome => r.ok || `ok: false ${JSON.stringify(r.error)}`

const SIGN_UP = 'mutation($email: String!, $password: String, $roles: [String!]) { signUp(email: $email, password: $password, roles: $roles) { ok error { code } } }'
const SIGN_IN = 'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { ok error { code } } }'
const CREATE_SESSION = 'mutation($id: String) { createSessionToken(personId: $id) { ok error { code } } }'
const CHANGE_PASSWORD = 'mutation($id: String!, $password: String!) { changePassword(personId: $id, password: $password) { ok error { code } } }'
const CHANGE_PROFILE = 'mutation($id: String!, $name: String) { changeProfile(personId: $id, name: $name) { ok error { code } } }'
const DISABLE = 'mutation($id: String!) { disablePerson(personId: $id) { ok error { code } } }'
const PERSON_BY_ID = 'query($id: String!) { personById(id: $id) { id } }'
const PERSONS = 'query($id: String!) { persons(filter: { personId: $id }) { id } }'
const CONFIGURATION = '{ configuration { password { minLength } } }'
const CONFIGURE = 'mutation { configure(config: {}) { ok error { code } } }'
const PREPARE_OTP = 'mutation { prepareOtp { ok result { otpUri } } }'

// Each operation acts on a plain person signed up for that one call.
const operations: Record<Operation, (token: string) => Promise<Outcome>> = {
  signUp: (t) => attempt(t, SIGN_UP, { email: randomEmail(), password: goodPassword() }, okPayload),
  signUpSuperAdmin: (t) => attempt(t, SIGN_UP, { email: randomEmail(), password: goodPassword(), roles: ['super_admin'] }, okPayload),
  signIn: async (t) => {
    const target = await signUpPerson(server)
    return attempt(t, SIGN_IN, { email: target.email, password: target.password }, okPayload)
  },
  createSessionToken: async (t) => attempt(t, CREATE_SESSION, { id: (await signUpPerson(server)).personId }, okPayload),
  changePassword: async (t) => attempt(t, CHANGE_PASSWORD, { id: (await signUpPerson(server)).personId, password: goodPassword() }, okPayload),
  changeProfile: async (t) => attempt(t, CHANGE_PROFILE, { id: (await signUpPerson(server)).personId, name: 'Renamed' }, okPayload),
  disablePerson: async (t) => attempt(t, DISABLE, { id: (await signUpPerson(server)).personId }, okPayload),
  personById: async (t) => {
    const target = await signUpPerson(server)
    return attempt(t, PERSON_BY_ID, { id: target.personId }, (p) => p === null ? false : p.id === target.personId || JSON.stringify(p))
  },
  persons: async (t) => {
    const target = await signUpPerson(server)
    return attempt(t, PERSONS, { id: target.personId }, (list) => list.length === 1 && list[0].id === target.personId || JSON.stringify(list))
  },
  configuration: (t) => attempt(t, CONFIGURATION, {}, (c) => c.password.minLength === 8 || JSON.stringify(c)),
  configure: (t) => attempt(t, CONFIGURE, {}, okPayload),
  prepareOtp: (t) => attempt(t, PREPARE_OTP, {}, (r) => (r.ok && r.result.otpUri.startsWith('otpauth://totp/')) || JSON.stringify(r)),
}

test('permissions: each caller may call exactly the operations its row of the table allows', async () => {
  const tokens = await callers()
  const observed: Record<string, Record<string, Outcome>> = {}
  const wanted: Record<string, Record<string, Outcome>> = {}
  for (const [caller, row] of Object.entries(expected)) {
    observed[caller] = {}
    wanted[caller] = Object.fromEntries(columns.map((op, i) => [op, row[i]!]))
    for (const op of columns) observed[caller][op] = await operations[op](tokens[caller]!)
  }
  assert.deepEqual(observed, wanted)
})

// A project admin may act on persons, but not on one who holds a stronger global role.
const CREATE_SESSION_FULL = 'mutation($id: String) { createSessionToken(personId: $id) { ok error { code } result { token } } }'
const targetCases = [
  { roles: [], allowed: true },
  { roles: ['project_admin'], allowed: true },
  { roles: ['super_admin'], allowed: false },
  { roles: ['project_creator'], allowed: false },
]

for (const target of targetCases) {
  test(`permissions: a project admin ${target.allowed ? 'may' : 'may not'} act on a person with roles [${target.roles.join(', ')}]`, async () => {
    const adminPerson = await personWithSession(server, { roles: ['project_admin'] })
    const adminKey = await identityWithToken(server, ['project_admin'])
    for (const token of [adminPerson.token, adminKey.token]) {
      const person = await signUpPerson(server, { roles: target.roles })
      const before = { row: await personRow(server, person.personId), counts: await counts(server) }
      const outcomes = {
        createSessionToken: await attempt(token, CREATE_SESSION_FULL, { id: person.personId }, okPayload),
        changePassword: await attempt(token, CHANGE_PASSWORD, { id: person.personId, password: goodPassword() }, okPayload),
        changeProfile: await attempt(token, CHANGE_PROFILE, { id: person.personId, name: 'Renamed' }, okPayload),
        disablePerson: await attempt(token, DISABLE, { id: person.personId }, okPayload),
      }
      const all = target.allowed
      assert.deepEqual(outcomes, { createSessionToken: all, changePassword: all, changeProfile: all, disablePerson: all })
      if (!target.allowed) {
        assert.deepEqual(await personRow(server, person.personId), before.row)
        assert.deepEqual(await counts(server), before.counts, 'no session was made')
      }
    }
  })
}

test('permissions: a project admin may give only login, project_admin and entrypoint_deployer on signUp', async () => {
  const admin = await personWithSession(server, { roles: ['project_admin'] })
  const before = await counts(server)
  for (const roles of [['super_admin'], ['project_creator'], ['project_admin', 'super_admin'], ['foo']]) {
    const outcome = await attempt(admin.token, SIGN_UP, { email: randomEmail(), password: goodPassword(), roles }, okPayload)
    assert.equal(outcome, false, JSON.stringify(roles))
  }
  assert.deepEqual(await counts(server), before)
  const allowed = await attempt(admin.token, SIGN_UP, { email: randomEmail(), password: goodPassword(), roles: ['login', 'project_admin', 'entrypoint_deployer'] }, okPayload)
  assert.equal(allowed, true)
})
