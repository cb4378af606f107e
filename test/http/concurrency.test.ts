import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { goodPassword, payload, signInAnswer, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink } from '../helpers/smtp.js'
import { hashPassword } from '../../src/model/passwords/hashing.js'
import { hashToken } from '../../src/model/tokens.js'

// Many writes at once, of kinds that collide: sign-ups of one email, one membership added
// several times, API keys, one email invited several times (a new one and an existing person),
// one reset token used several times. All in one burst; afterwards exactly the rows and exactly
// the mails that one call of each colliding group makes, and no answer is an error.

const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '50' } })
const db = server.app.deps.db

const N = 20
const acl = { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } } }, reader: {} } }
const editor = (...values: string[]) => ({ role: 'editor', variables: [{ name: 'language', values }] })
const reader = { role: 'reader', variables: [] }

const SIGN_UP = 'mutation($email: String!, $hash: String) { signUp(email: $email, passwordHash: $hash) { ok error { code } result { person { id identity { id } } } } }'
const ADD = `mutation($slug: String!, $id: String!, $m: [MembershipInput!]!) {
  addProjectMember(projectSlug: $slug, identityId: $id, memberships: $m) { ok error { code developerMessage } } }`
const CREATE_KEY = `mutation($slug: String!, $m: [MembershipInput!]!, $description: String!) {
  createApiKey(projectSlug: $slug, memberships: $m, description: $description) { ok error { code } result { apiKey { id token identity { id } } } } }`
const INVITE = `mutation($email: String!, $slug: String!, $m: [MembershipInput!]!) {
  invite(email: $email, projectSlug: $slug, memberships: $m, options: { method: RESET_PASSWORD }) { ok error { code developerMessage } result { isNew person { id identity { id } } } } }`
const RESET = 'mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { ok error { code } } }'
const REQUEST_RESET = 'mutation($email: String!) { createResetPasswordRequest(email: $email) { ok error { code } } }'

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT (${sql})::int AS n`, params)
  return rows[0]!.n
}

const rows = async () => ({
  persons: await count('SELECT count(*) FROM person'),
  identities: await count('SELECT count(*) FROM identity'),
  apiKeys: await count('SELECT count(*) FROM api_key'),
  memberships: await count('SELECT count(*) FROM project_membership'),
  variables: await count('SELECT count(*) FROM project_membership_variable'),
  personTokens: await count('SELECT count(*) FROM person_token'),
  mails: await count('SELECT count(*) FROM mail_outbox'),
})

/** Every answer of a group: HTTP 200, no GraphQL error, the mutation's payload. */
async function all(calls: Promise<{ status: number; body: any }>[]) {
  const answers = await Promise.all(calls)
  for (const { status, body } of answers) {
    assert.equal(status, 200, JSON.stringify(body))
    assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  }
  return answers.map(({ body }) => Object.values(body.data as Record<string, any>)[0])
}

const codes = (answers: any[]) => answers.map((a) => (a.ok ? 'ok' : a.error.code)).sort()
const repeat = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value)

test(`concurrency: ${N} each of signUp, addProjectMember, createApiKey, invite (new and existing person) and resetPassword in one burst`, { timeout: 120_000 }, async () => {
  // A project of its own, without a deploy key: its members are only what this test adds.
  const slug = `cc_${randomBytes(4).toString('hex')}`
  const projectName = `Burst ${slug}`
  assert.equal((await payload(server, `mutation($slug: String!, $name: String, $config: Json) {
    createProject(projectSlug: $slug, name: $name, config: $config, options: { noDeployToken: true }) { ok } }`, { slug, name: projectName, config: { acl } })).ok, true)
  const { rows: [project] } = await db.query<{ id: string }>('SELECT id FROM project WHERE slug = $1', [slug])

  const member = await signUpPerson(server, { password: null })
  const existing = await signUpPerson(server, { password: null })
  const resetting = await signUpPerson(server, { password: goodPassword() })
  assert.deepEqual(await payload(server, REQUEST_RESET, { email: resetting.email }, server.loginToken), { ok: true, error: null })
  const resetMail = await smtp.waitFor((m) => m.to.includes(resetting.email))
  const resetToken = /([0-9a-f]{40})/.exec(resetMail.html)?.[1]
  assert.ok(resetToken, resetMail.html)
  const invitee = randomEmail()
  const signUpEmails = Array.from({ length: N / 2 }, () => randomEmail())
  // Imported hashes (made here, beforehand) and invites that mail a token rather than a generated
  // password: no call of those groups waits for a hash, so their transactions really overlap.
  const signUpCalls = await Promise.all([...signUpEmails, ...signUpEmails].map(async (email) => {
    const password = goodPassword()
    return { email, password, hash: await hashPassword(password) }
  }))
  const resetPasswords = Array.from({ length: N }, () => goodPassword())

  const before = await rows()
  const mailsBefore = smtp.mails.length
  const gql = (query: string, variables: Record<string, unknown>, token?: string) => server.gql(query, { variables, token })

  // The burst: the calls of every group interleaved (one of each in turn), all sent at once.
  type Call = () => Promise<{ status: number; body: any }>
  const groups: Call[][] = [
    signUpCalls.map(({ email, hash }) => () => gql(SIGN_UP, { email, hash })),
    repeat(N, 0).map(() => () => gql(ADD, { slug, id: member.identityId, m: [editor('cs')] })),
    repeat(N, 0).map((_, i) => () => gql(CREATE_KEY, { slug, m: [editor('en')], description: `burst key ${i}` })),
    repeat(N, 0).map(() => () => gql(INVITE, { email: invitee, slug, m: [reader] })),
    repeat(N, 0).map(() => () => gql(INVITE, { email: existing.email, slug, m: [reader] })),
    resetPasswords.map((password) => () => gql(RESET, { token: resetToken, password }, server.loginToken)),
  ]
  const sent: Promise<{ status: number; body: any }>[][] = groups.map(() => [])
  for (let i = 0; i < N; i++) groups.forEach((group, g) => sent[g]!.push(group[i]!()))
  const [signUps, adds, keys, newInvites, existingInvites, resets] = await Promise.all(sent.map(all)) as [any[], any[], any[], any[], any[], any[]]

  // signUp: of the two calls for each email, one made the person; the other is EMAIL_ALREADY_EXISTS.
  for (const email of signUpEmails) {
    const mine = signUps.filter((_, i) => signUpCalls[i]!.email === email)
    assert.deepEqual(codes(mine), ['EMAIL_ALREADY_EXISTS', 'ok'], email)
  }
  // addProjectMember: one call adds; the others find a member.
  assert.deepEqual(codes(adds), [...repeat(N - 1, 'ALREADY_MEMBER'), 'ok'].sort())
  // createApiKey: every call makes a key of its own.
  assert.deepEqual(codes(keys), repeat(N, 'ok'))
  const keyIds = new Set(keys.map((k) => k.result.apiKey.id))
  const keyIdentities = new Set(keys.map((k) => k.result.apiKey.identity.id))
  const keyTokens = new Set(keys.map((k) => k.result.apiKey.token))
  assert.deepEqual([keyIds.size, keyIdentities.size, keyTokens.size], [N, N, N])
  // invite of a new email: one call creates the person; the others find a member.
  assert.deepEqual(codes(newInvites), [...repeat(N - 1, 'ALREADY_MEMBER'), 'ok'].sort())
  const created = newInvites.find((a) => a.ok)
  assert.equal(created.result.isNew, true)
  // invite of an existing person: one call adds them; the others find a member.
  assert.deepEqual(codes(existingInvites), [...repeat(N - 1, 'ALREADY_MEMBER'), 'ok'].sort())
  assert.deepEqual([existingInvites.find((a) => a.ok).result.isNew, existingInvites.find((a) => a.ok).result.person.id], [false, existing.personId])
  // resetPassword: one call uses the token; the others are TOKEN_USED.
  assert.deepEqual(codes(resets), [...repeat(N - 1, 'TOKEN_USED'), 'ok'].sort())

  // Exactly the rows those winners make.
  const after = await rows()
  assert.deepEqual(after, {
    persons: before.persons + N / 2 + 1,
    identities: before.identities + N / 2 + N + 1,
    apiKeys: before.apiKeys + N,
    // member (editor), N keys (editor), the invitee and the existing person (reader); editor carries its variable.
    memberships: before.memberships + 1 + N + 2,
    variables: before.variables + 1 + N,
    // The invitee's token for resetPassword (RESET_PASSWORD); an existing person gets none.
    personTokens: before.personTokens + 1,
    mails: before.mails + 2,
  })
  const { rows: members } = await db.query<{ identityId: string; role: string; variables: string | null }>(
    `SELECT m.identity_id AS "identityId", m.role, (SELECT string_agg(v.variable || '=' || array_to_string(v."values", ','), ';') FROM project_membership_variable v WHERE v.membership_id = m.id) AS variables
       FROM project_membership m WHERE m.project_id = $1`, [project!.id])
  const expected = [
    `${member.identityId} editor language=cs`,
    ...[...keyIdentities].map((id) => `${id} editor language=en`),
    `${created.result.person.identity.id} reader null`,
    `${existing.identityId} reader null`,
  ].sort()
  assert.deepEqual(members.map((m) => `${m.identityId} ${m.role} ${m.variables}`).sort(), expected)
  for (const email of signUpEmails) assert.equal(await count('SELECT count(*) FROM person WHERE email = $1', [email]), 1, email)
  assert.equal(await count('SELECT count(*) FROM person WHERE email = $1', [invitee]), 1)

  // The reset token was used once, and the password is the one its single winner set.
  const { rows: tokens } = await db.query<{ usedAt: Date | null }>('SELECT used_at AS "usedAt" FROM person_token WHERE token_hash = $1', [hashToken(resetToken!)])
  assert.equal(tokens.length, 1)
  assert.ok(tokens[0]!.usedAt, 'the token is marked used')
  assert.equal(await count(`SELECT count(*) FROM person_token WHERE person_id = $1 AND purpose = 'password_reset' AND used_at IS NULL`, [resetting.personId]), 0)
  const { entries } = await payload(server, 'query($f: AuthLogFilter) { authLog(filter: $f) { entries { type success personId } } }', { f: { types: ['password_reset'], success: true } })
  assert.deepEqual(entries.map((e: any) => e.personId), [resetting.personId], 'one successful reset in the auth log')
  assert.equal(await signInAnswer(server, resetting.email, resetPasswords[resets.findIndex((r) => r.ok)]!), 'ok')

  // Every sign-up's winner signs in with its own password; every key works.
  for (const email of signUpEmails) {
    const winner = signUpCalls.find((c, i) => c.email === email && signUps[i].ok)!
    assert.equal(await signInAnswer(server, email, winner.password), 'ok', email)
  }
  for (const token of keyTokens) assert.equal((await server.gql('{ me { id } }', { token })).status, 200)

  // Exactly two mails came of the burst: one invitation to each invited email. None to the
  // sign-ups, no second reset mail, nothing twice.
  await smtp.waitFor(() => smtp.mails.length >= mailsBefore + 2)
  await new Promise((r) => setTimeout(r, 600))
  const burstMails = smtp.mails.slice(mailsBefore).map((m) => `${m.to.join(',')} | ${m.subject}`).sort()
  assert.deepEqual(burstMails, [`${existing.email} | Invitation to ${projectName}`, `${invitee} | Invitation to ${projectName}`].sort())
  assert.equal(smtp.mails.filter((m) => m.to.includes(resetting.email)).length, 1, 'the reset mail, once')
  const { rows: outbox } = await db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM mail_outbox GROUP BY state')
  assert.deepEqual(outbox, [{ state: 'sent', n: before.mails + 2 }], 'every mail of the outbox sent, none pending or failed')
})
