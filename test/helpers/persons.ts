import assert from 'node:assert/strict'
import { insertApiKey } from '../../src/db/queries/apiKeys.js'
import { insertIdentity } from '../../src/db/queries/identities.js'
import { generateToken, hashToken } from '../../src/model/tokens.js'
import { randomEmail } from './fixtures.js'
import type { TestServer } from './server.js'

/** Meets the default password policy and is on no list of common passwords. */
export const goodPassword = () => `Tr3e-${Math.random().toString(36).slice(2, 10)}-Lamp`

export interface SignedUpPerson {
  personId: string
  identityId: string
  email: string
  password: string | null
}

/** signUp as root; fails the test unless it succeeds. `password: null` makes a person without one. */
export async function signUpPerson(server: TestServer, options: { roles?: string[]; email?: string; password?: string | null } = {}): Promise<SignedUpPerson> {
  const email = options.email ?? randomEmail()
  const password = options.password === undefined ? goodPassword() : options.password
  const { body } = await server.gql(
    'mutation($email: String!, $password: String, $roles: [String!]) { signUp(email: $email, password: $password, roles: $roles) { ok error { code } result { person { id identity { id } } } } }',
    { variables: { email, password, roles: options.roles ?? null } })
  assert.equal(body.data?.signUp?.ok, true, `signUp of ${email}: ${JSON.stringify(body)}`)
  const person = body.data.signUp.result.person
  return { personId: person.id, identityId: person.identity.id, email, password }
}

/** A session token of the person, from signIn with the login token; fails the test unless it succeeds. */
export async function signInPerson(server: TestServer, person: { email: string; password: string | null }): Promise<string> {
  const { body } = await server.gql(
    'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { ok error { code } result { token } } }',
    { token: server.loginToken, variables: { email: person.email, password: person.password } })
  assert.equal(body.data?.signIn?.ok, true, `signIn of ${person.email}: ${JSON.stringify(body)}`)
  return body.data.signIn.result.token
}

/** signUp + signIn: a person and a session token of theirs. */
export async function personWithSession(server: TestServer, options: { roles?: string[] } = {}) {
  const person = await signUpPerson(server, options)
  return { ...person, token: await signInPerson(server, person) }
}

/**
 * An identity without a person holding a permanent token (what createGlobalApiKey will make),
 * written to our own storage directly until that operation exists.
 */
export async function identityWithToken(server: TestServer, roles: string[]) {
  const db = server.app.deps.db
  const identity = await insertIdentity(db, { roles })
  const token = generateToken()
  await insertApiKey(db, { identityId: identity.id, type: 'permanent', tokenHash: hashToken(token), createdAt: new Date() })
  return { identityId: identity.id, token }
}

/** Row counts of the tables a person operation may write, to prove a rejected call changed nothing. */
export async function counts(server: TestServer) {
  const { rows } = await server.app.deps.db.query<{ persons: number; identities: number; apiKeys: number }>(
    `SELECT (SELECT count(*) FROM person)::int AS persons, (SELECT count(*) FROM identity)::int AS identities,
            (SELECT count(*) FROM api_key)::int AS "apiKeys"`)
  return rows[0]!
}

/** The stored row of a person, for checking what a call did or did not change. */
export async function personRow(server: TestServer, personId: string) {
  const { rows } = await server.app.deps.db.query<{ email: string | null; name: string | null; passwordHash: string | null; disabledAt: Date | null }>(
    'SELECT email, name, password_hash AS "passwordHash", disabled_at AS "disabledAt" FROM person WHERE id = $1', [personId])
  return rows[0] ?? null
}

/** A mutation's payload (the one field of `data`); fails the test on any GraphQL error. */
export async function payload(server: TestServer, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const { status, body } = await server.gql(query, { variables, token })
  assert.equal(status, 200, JSON.stringify(body))
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return Object.values(body.data as Record<string, any>)[0]
}

/** "ok" or the error code signIn (with the login token) answers. */
export async function signInAnswer(server: TestServer, email: string, password: string): Promise<string> {
  const r = await payload(server, 'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { ok error { code } } }',
    { email, password }, server.loginToken)
  return r.ok ? 'ok' : r.error.code
}
