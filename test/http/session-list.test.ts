import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { identityWithToken, payload, signInPerson, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink } from '../helpers/smtp.js'

// Identity.sessions, revokeSession and forceSignOutPerson: a person sees and ends their own
// sessions (an ended one is refused at once), an admin ends all of someone's, and who may see whose.

const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '100' } })

const SESSIONS = '{ me { sessions { id createdAt expiresAt lastUsedAt lastIp lastUserAgent createdIp createdUserAgent isCurrent trustForwardedClientInfo } } }'
const REVOKE = 'mutation($id: String!) { revokeSession(sessionId: $id) { ok error { code developerMessage } } }'
const FORCE = 'mutation($id: String!, $reason: String) { forceSignOutPerson(personId: $id, reason: $reason) { ok error { code developerMessage } } }'

/** signIn through the login token with a user agent of its own. */
async function signInAs(person: { email: string; password: string | null }, userAgent: string): Promise<string> {
  const res = await fetch(`${server.url}/tenant`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.loginToken}`, 'user-agent': userAgent },
    body: JSON.stringify({ query: 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ok result { token } } }', variables: { e: person.email, p: person.password } }),
  })
  const body = await res.json()
  assert.equal(body.data.signIn.ok, true, JSON.stringify(body))
  return body.data.signIn.result.token
}

async function sessionsSeenBy(token: string, userAgent = 'lister/1.0') {
  const res = await fetch(`${server.url}/tenant`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'user-agent': userAgent }, body: JSON.stringify({ query: SESSIONS }),
  })
  const body = await res.json()
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return body.data.me.sessions as { id: string; isCurrent: boolean; createdUserAgent: string; createdIp: string; lastIp: string | null; lastUserAgent: string | null; trustForwardedClientInfo: boolean }[]
}

const status = async (token: string) => (await server.gql('{ me { id } }', { token })).status

test('me { sessions }: every live session with where it was made and last used; isCurrent marks the one asking', async () => {
  const person = await signUpPerson(server)
  const laptop = await signInAs(person, 'Laptop Browser/1.0')
  const phone = await signInAs(person, 'Phone App/2.0')
  const seen = await sessionsSeenBy(laptop, 'Laptop Browser/1.1')
  assert.equal(seen.length, 2)
  assert.deepEqual(seen.map((s) => s.createdUserAgent).sort(), ['Laptop Browser/1.0', 'Phone App/2.0'])
  assert.ok(seen.every((s) => s.createdIp === '127.0.0.1' && s.trustForwardedClientInfo === false))
  const current = seen.find((s) => s.isCurrent)!
  assert.equal(current.createdUserAgent, 'Laptop Browser/1.0')
  // The first use was recorded, with where it came from.
  assert.equal(current.lastUserAgent, 'Laptop Browser/1.1')
  assert.equal(current.lastIp, '127.0.0.1')
  assert.equal(seen.filter((s) => s.isCurrent).length, 1)
  assert.equal((await sessionsSeenBy(phone)).find((s) => s.isCurrent)!.createdUserAgent, 'Phone App/2.0')
})

test('revokeSession: the other session is refused at once (401), the current one still works; twice is SESSION_NOT_FOUND', async () => {
  const person = await signUpPerson(server)
  const one = await signInPerson(server, person)
  const two = await signInPerson(server, person)
  assert.equal(await status(two), 200)
  const other = (await sessionsSeenBy(one)).find((s) => !s.isCurrent)!
  assert.deepEqual(await payload(server, REVOKE, { id: other.id }, one), { ok: true, error: null })
  assert.equal(await status(two), 401, 'refused at once, although this node had it cached')
  assert.equal(await status(one), 200)
  assert.equal((await sessionsSeenBy(one)).length, 1)
  assert.deepEqual(await payload(server, REVOKE, { id: other.id }, one), { ok: false, error: { code: 'SESSION_NOT_FOUND', developerMessage: 'Session not found' } })
  // Revoking the current session is signing out.
  const current = (await sessionsSeenBy(one))[0]!
  assert.equal((await payload(server, REVOKE, { id: current.id }, one)).ok, true)
  assert.equal(await status(one), 401)
})

test('revokeSession: another person\'s session, an unknown or malformed id are SESSION_NOT_FOUND; a caller without a person is NOT_A_PERSON', async () => {
  const owner = await signUpPerson(server)
  const ownerSession = await signInPerson(server, owner)
  const theirs = (await sessionsSeenBy(ownerSession))[0]!.id
  const intruder = await signUpPerson(server)
  const intruderSession = await signInPerson(server, intruder)
  for (const id of [theirs, randomUUID(), 'not-a-uuid']) {
    assert.equal((await payload(server, REVOKE, { id }, intruderSession)).error.code, 'SESSION_NOT_FOUND', id)
  }
  assert.equal(await status(ownerSession), 200, 'the owner\'s session still works')
  const app = await identityWithToken(server, [])
  assert.deepEqual(await payload(server, REVOKE, { id: theirs }, app.token), { ok: false, error: { code: 'NOT_A_PERSON', developerMessage: 'Only a person can revoke a session' } })
  assert.equal((await payload(server, REVOKE, { id: theirs }, server.rootToken)).error.code, 'NOT_A_PERSON')
})

test('forceSignOutPerson: every session of the person ends at once, their API keys stay, and they get FORCED_SIGN_OUT with the reason', async () => {
  const person = await signUpPerson(server)
  const sessions = [await signInPerson(server, person), await signInPerson(server, person)]
  assert.deepEqual(await payload(server, FORCE, { id: person.personId, reason: 'laptop stolen' }), { ok: true, error: null })
  for (const token of sessions) assert.equal(await status(token), 401)
  const mail = await smtp.waitFor((m) => m.to.includes(person.email))
  assert.equal(mail.subject, 'You were signed out')
  assert.match(mail.text, /The reason given: laptop stolen/)
  // They sign in again as before.
  assert.equal(await status(await signInPerson(server, person)), 200)

  const quiet = await signUpPerson(server)
  await signInPerson(server, quiet)
  assert.equal((await payload(server, FORCE, { id: quiet.personId })).ok, true)
  const noReason = await smtp.waitFor((m) => m.to.includes(quiet.email))
  assert.doesNotMatch(noReason.text, /reason/i)
})

test('forceSignOutPerson: PERSON_NOT_FOUND; refused to a person, and to a project admin for a super admin', async () => {
  assert.deepEqual(await payload(server, FORCE, { id: randomUUID() }), { ok: false, error: { code: 'PERSON_NOT_FOUND', developerMessage: 'Person not found' } })
  assert.equal((await payload(server, FORCE, { id: 'nope' })).error.code, 'PERSON_NOT_FOUND')
  const target = await signUpPerson(server)
  const plain = await signUpPerson(server)
  const { body } = await server.gql(FORCE, { token: await signInPerson(server, plain), variables: { id: target.personId } })
  assert.match(body.errors?.[0]?.message ?? '', /You are not allowed to force sign out a person/)

  const admin = await signUpPerson(server, { roles: ['project_admin'] })
  const adminSession = await signInPerson(server, admin)
  const boss = await signUpPerson(server, { roles: ['super_admin'] })
  const bossSession = await signInPerson(server, boss)
  const refused = await server.gql(FORCE, { token: adminSession, variables: { id: boss.personId } })
  assert.match(refused.body.errors?.[0]?.message ?? '', /not allowed/)
  assert.equal(await status(bossSession), 200)
  assert.equal((await payload(server, FORCE, { id: target.personId }, adminSession)).ok, true, 'a person without global roles: allowed')
})

test('Identity.sessions of others: super admins and project admins who may act on the person see them; the rest an empty list', async () => {
  const person = await signUpPerson(server)
  await signInPerson(server, person)
  const query = 'query($id: String!) { personById(id: $id) { identity { sessions { id createdUserAgent } } } }'
  const asRoot = (await server.gql(query, { variables: { id: person.personId } })).body.data.personById.identity.sessions
  assert.equal(asRoot.length, 1)
  const admin = await signUpPerson(server, { roles: ['project_admin'] })
  const adminSession = await signInPerson(server, admin)
  assert.equal((await server.gql(query, { token: adminSession, variables: { id: person.personId } })).body.data.personById.identity.sessions.length, 1)
  const boss = await signUpPerson(server, { roles: ['super_admin'] })
  await signInPerson(server, boss)
  assert.deepEqual((await server.gql(query, { token: adminSession, variables: { id: boss.personId } })).body.data.personById.identity.sessions, [])
})
