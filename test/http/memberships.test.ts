import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { payload, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

const server = await startServer()
const zeroId = '00000000-0000-0000-0000-000000000000'

const acl = {
  roles: {
    editor: { variables: { language: { type: 'entity', entityName: 'Language' } } },
    scoped: { variables: { cond: { type: 'condition' } } },
    selfref: { variables: { me: { type: 'predefined', value: 'identityID' } } },
    reader: {},
  },
}

const ERROR = 'error { code developerMessage membershipValidation { code role variable } } errors { code }'
const ADD = `mutation($slug: String!, $id: String!, $m: [MembershipInput!]!) { addProjectMember(projectSlug: $slug, identityId: $id, memberships: $m) { ok ${ERROR} } }`
const UPDATE = `mutation($slug: String!, $id: String!, $m: [MembershipInput!]!) { updateProjectMember(projectSlug: $slug, identityId: $id, memberships: $m) { ok ${ERROR} } }`
const REMOVE = 'mutation($slug: String!, $id: String!) { removeProjectMember(projectSlug: $slug, identityId: $id) { ok error { code developerMessage } errors { code } } }'
const MEMBERSHIPS = 'query($slug: String!, $id: String!) { projectMemberships(projectSlug: $slug, identityId: $id) { role variables { name values } } }'
const ALL = 'query { projects { slug members { identity { id } memberships { role variables { name values } } } } }'
const MEMBERS = `query($slug: String!, $input: ProjectMembersInput, $type: MemberType) {
  projectBySlug(slug: $slug) { members(input: $input, memberType: $type) { identity { id person { id email } } memberships { role } } } }`

const editor = (...values: string[]) => ({ role: 'editor', variables: [{ name: 'language', values }] })
const reader = { role: 'reader', variables: [] }

async function newProject() {
  const slug = `m-${randomBytes(5).toString('hex')}`
  // Without a deploy key, so the members are only those a test adds.
  const r = await payload(server, `mutation($slug: String!, $config: Json) {
    createProject(projectSlug: $slug, config: $config, options: { noDeployToken: true }) { ok error { code developerMessage } } }`,
    { slug, config: { acl } })
  assert.equal(r.ok, true, JSON.stringify(r))
  return slug
}

const add = (slug: string, id: string, m: unknown[]) => payload(server, ADD, { slug, id, m })
const update = (slug: string, id: string, m: unknown[]) => payload(server, UPDATE, { slug, id, m })
const remove = (slug: string, id: string) => payload(server, REMOVE, { slug, id })
const memberships = (slug: string, id: string) => payload(server, MEMBERSHIPS, { slug, id })
/** Every membership in every project, as root sees them: what a rejected call must leave alone. */
const everything = () => payload(server, ALL)

async function member(slug: string, m: unknown[]) {
  const person = await signUpPerson(server, { password: null })
  assert.equal((await add(slug, person.identityId, m)).ok, true)
  return person
}

/** Runs `call`, which must fail with `code`, and proves no membership anywhere changed. */
async function refused(call: () => Promise<any>, code: string) {
  const before = await everything()
  const r = await call()
  assert.equal(r.ok, false)
  assert.equal(r.error.code, code, JSON.stringify(r))
  assert.deepEqual(await everything(), before)
  return r
}

test('addProjectMember: the identity becomes a member with exactly the memberships given', async () => {
  const slug = await newProject()
  const person = await signUpPerson(server, { password: null })
  const r = await add(slug, person.identityId, [editor('cs', 'en'), reader])
  assert.deepEqual(r, { ok: true, error: null, errors: [] })
  assert.deepEqual(await memberships(slug, person.identityId),
    [{ role: 'editor', variables: [{ name: 'language', values: ['cs', 'en'] }] }, { role: 'reader', variables: [] }])
})

test('addProjectMember: an unknown project is PROJECT_NOT_FOUND, also for root, and changes nothing', async () => {
  const person = await signUpPerson(server, { password: null })
  const r = await refused(() => add('x', person.identityId, [reader]), 'PROJECT_NOT_FOUND')
  assert.equal(r.error.developerMessage, 'Project x was not found or you are not allowed to access it.')
  assert.deepEqual(r.errors, [{ code: 'PROJECT_NOT_FOUND' }])
})

test('addProjectMember: an unknown or malformed identity id is IDENTITY_NOT_FOUND and changes nothing', async () => {
  const slug = await newProject()
  for (const id of [zeroId, 'not-a-uuid']) {
    const r = await refused(() => add(slug, id, [reader]), 'IDENTITY_NOT_FOUND')
    assert.deepEqual(r.errors, [{ code: 'IDENTITY_NOT_FOUND' }])
  }
})

test('addProjectMember: a member again, with the same or another role, is ALREADY_MEMBER and changes nothing', async () => {
  const slug = await newProject()
  const person = await member(slug, [reader])
  for (const m of [[reader], [editor('cs')]]) {
    const r = await refused(() => add(slug, person.identityId, m), 'ALREADY_MEMBER')
    assert.equal(r.error.developerMessage, 'This identity is already a project member. Use updateProjectMember mutation to change memberships.')
    assert.deepEqual(r.errors, [{ code: 'ALREADY_MEMBER' }])
  }
  assert.deepEqual(await memberships(slug, person.identityId), [{ role: 'reader', variables: [] }])
})

// Problems are reported in membershipValidation; the deprecated `errors` list repeats them
// under their old codes after INVALID_MEMBERSHIP (VARIABLE_INVALID has none).
const invalid = [
  { name: 'an unknown role', m: [{ role: 'foo', variables: [] }],
    problem: { code: 'ROLE_NOT_FOUND', role: 'foo', variable: null }, text: 'Role foo is not defined in a schema.', legacy: ['ROLE_NOT_FOUND'] },
  { name: 'an unknown variable', m: [{ role: 'editor', variables: [{ name: 'language', values: ['cs'] }, { name: 'x', values: ['1'] }] }],
    problem: { code: 'VARIABLE_NOT_FOUND', role: 'editor', variable: 'x' }, text: 'Variable x of role editor is not defined in a schema.', legacy: ['VARIABLE_NOT_FOUND'] },
  { name: 'a value for a predefined variable', m: [{ role: 'selfref', variables: [{ name: 'me', values: ['1'] }] }],
    problem: { code: 'VARIABLE_NOT_FOUND', role: 'selfref', variable: 'me' }, text: 'Variable me of role selfref is not defined in a schema.', legacy: ['VARIABLE_NOT_FOUND'] },
  { name: 'a missing variable', m: [{ role: 'editor', variables: [] }],
    problem: { code: 'VARIABLE_EMPTY', role: 'editor', variable: 'language' }, text: 'Variable language of role editor is empty.', legacy: ['VARIABLE_EMPTY'] },
  { name: 'a variable with values []', m: [editor()],
    problem: { code: 'VARIABLE_EMPTY', role: 'editor', variable: 'language' }, text: 'Variable language of role editor is empty.', legacy: ['VARIABLE_EMPTY'] },
  { name: 'a condition that is not JSON', m: [{ role: 'scoped', variables: [{ name: 'cond', values: ['notjson'] }] }],
    problem: { code: 'VARIABLE_INVALID', role: 'scoped', variable: 'cond' }, text: 'Variable cond of role scoped contains invalid value.', legacy: [] },
]

for (const c of invalid) {
  test(`addProjectMember: ${c.name} is INVALID_MEMBERSHIP with ${c.problem.code} and changes nothing`, async () => {
    const slug = await newProject()
    const person = await signUpPerson(server, { password: null })
    const r = await refused(() => add(slug, person.identityId, c.m), 'INVALID_MEMBERSHIP')
    assert.deepEqual(r.error.membershipValidation, [c.problem])
    assert.equal(r.error.developerMessage,
      `Provided membership is invalid: ${c.text} You can also check membershipValidation field for structured details.`)
    assert.deepEqual(r.errors.map((e: { code: string }) => e.code), ['INVALID_MEMBERSHIP', ...c.legacy])
    assert.deepEqual(await memberships(slug, person.identityId), [])
  })
}

test('addProjectMember: every problem is listed, in the order given', async () => {
  const slug = await newProject()
  const person = await signUpPerson(server, { password: null })
  const r = await refused(() => add(slug, person.identityId, [{ role: 'foo', variables: [] }, editor(), { role: 'bar', variables: [] }]), 'INVALID_MEMBERSHIP')
  assert.deepEqual(r.error.membershipValidation.map((p: { code: string }) => p.code), ['ROLE_NOT_FOUND', 'VARIABLE_EMPTY', 'ROLE_NOT_FOUND'])
  assert.deepEqual(r.errors.map((e: { code: string }) => e.code), ['INVALID_MEMBERSHIP', 'ROLE_NOT_FOUND', 'VARIABLE_EMPTY', 'ROLE_NOT_FOUND'])
})

test('addProjectMember: five at once for one identity: one succeeds, the others are ALREADY_MEMBER, one role is held', async () => {
  const slug = await newProject()
  const person = await signUpPerson(server, { password: null })
  const roles = [reader, editor('cs'), editor('de'), { role: 'scoped', variables: [{ name: 'cond', values: ['{"always":true}'] }] }, { role: 'admin', variables: [] }]
  const results = await Promise.all(roles.map((m) => add(slug, person.identityId, [m])))
  const winners = results.flatMap((r, i) => (r.ok ? [roles[i]!] : []))
  assert.equal(winners.length, 1, JSON.stringify(results))
  assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.error.code), Array(4).fill('ALREADY_MEMBER'))
  const held = await memberships(slug, person.identityId)
  assert.deepEqual(held.map((m: { role: string }) => m.role), [winners[0]!.role])
})

test('updateProjectMember: the memberships become the given ones (the roles not named are removed, as in 2.0.8); [] removes the member', async () => {
  const slug = await newProject()
  const person = await member(slug, [editor('cs'), reader])
  assert.deepEqual(await update(slug, person.identityId, [editor('de', 'en')]), { ok: true, error: null, errors: [] })
  assert.deepEqual(await memberships(slug, person.identityId), [{ role: 'editor', variables: [{ name: 'language', values: ['de', 'en'] }] }])
  assert.equal((await update(slug, person.identityId, [{ role: 'admin', variables: [] }, reader])).ok, true)
  assert.deepEqual((await memberships(slug, person.identityId)).map((m: { role: string }) => m.role), ['admin', 'reader'])
  assert.equal((await update(slug, person.identityId, [])).ok, true)
  assert.deepEqual(await memberships(slug, person.identityId), [])
})

test('updateProjectMember: a non-member, an unknown or a malformed id is NOT_MEMBER and changes nothing', async () => {
  const slug = await newProject()
  const outsider = await signUpPerson(server, { password: null })
  for (const id of [outsider.identityId, zeroId, 'not-a-uuid']) {
    const r = await refused(() => update(slug, id, [reader]), 'NOT_MEMBER')
    assert.equal(r.error.developerMessage, 'Not a project member')
    assert.deepEqual(r.errors, [{ code: 'NOT_MEMBER' }])
  }
})

test('updateProjectMember: an invalid membership is INVALID_MEMBERSHIP and changes nothing', async () => {
  const slug = await newProject()
  const person = await member(slug, [editor('cs')])
  const r = await refused(() => update(slug, person.identityId, [editor()]), 'INVALID_MEMBERSHIP')
  assert.deepEqual(r.error.membershipValidation, [{ code: 'VARIABLE_EMPTY', role: 'editor', variable: 'language' }])
  assert.deepEqual(r.errors.map((e: { code: string }) => e.code), ['INVALID_MEMBERSHIP', 'VARIABLE_EMPTY'])
  assert.deepEqual(await memberships(slug, person.identityId), [{ role: 'editor', variables: [{ name: 'language', values: ['cs'] }] }])
})

test('updateProjectMember and removeProjectMember: an unknown project is PROJECT_NOT_FOUND for root and changes nothing', async () => {
  const person = await signUpPerson(server, { password: null })
  for (const call of [() => update('x', person.identityId, [reader]), () => remove('x', person.identityId)]) {
    const r = await refused(call, 'PROJECT_NOT_FOUND')
    assert.equal(r.error.developerMessage, 'Project x was not found or you are not allowed to access it.')
  }
})

test('removeProjectMember: removes all of the identity\'s memberships; a second time is NOT_MEMBER', async () => {
  const slug = await newProject()
  const person = await member(slug, [editor('cs'), reader])
  const keeper = await member(slug, [reader])
  assert.deepEqual(await remove(slug, person.identityId), { ok: true, error: null, errors: [] })
  assert.deepEqual(await memberships(slug, person.identityId), [])
  assert.deepEqual(await memberships(slug, keeper.identityId), [{ role: 'reader', variables: [] }])
  for (const id of [person.identityId, zeroId, 'not-a-uuid']) {
    const r = await refused(() => remove(slug, id), 'NOT_MEMBER')
    assert.equal(r.error.developerMessage, 'Not a project member')
    assert.deepEqual(r.errors, [{ code: 'NOT_MEMBER' }])
  }
  assert.equal((await add(slug, person.identityId, [reader])).ok, true, 'a removed identity may be added again')
})

async function membersFixture() {
  const slug = await newProject()
  const ada = await member(slug, [reader])
  const bob = await member(slug, [editor('cs')])
  const key = await payload(server, 'mutation($slug: String!) { createApiKey(projectSlug: $slug, memberships: [{ role: "reader", variables: [] }], description: "k") { ok result { apiKey { identity { id } } } } }', { slug })
  assert.equal(key.ok, true)
  return { slug, ada, bob, keyId: key.result.apiKey.identity.id as string }
}

async function members(slug: string, variables: Record<string, unknown>) {
  const { body } = await server.gql(MEMBERS, { variables: { slug, ...variables } })
  return body
}
const ids = (body: any) => body.data.projectBySlug.members.map((m: { identity: { id: string } }) => m.identity.id)

test('members: filter by member type, email (any case), identity id and person id', async () => {
  const { slug, ada, bob, keyId } = await membersFixture()
  const cases = [
    { filter: {}, want: [ada.identityId, bob.identityId, keyId] },
    { filter: { memberType: 'PERSON' }, want: [ada.identityId, bob.identityId] },
    { filter: { memberType: 'API_KEY' }, want: [keyId] },
    { filter: { email: [ada.email.toUpperCase()] }, want: [ada.identityId] },
    { filter: { email: [ada.email, bob.email], memberType: 'PERSON' }, want: [ada.identityId, bob.identityId] },
    { filter: { identityId: [bob.identityId, keyId] }, want: [bob.identityId, keyId] },
    { filter: { identityId: ['not-a-uuid'] }, want: [] },
    { filter: { personId: [ada.personId] }, want: [ada.identityId] },
    { filter: { personId: [ada.personId], identityId: [bob.identityId] }, want: [] },
  ]
  for (const c of cases) assert.deepEqual(ids(await members(slug, { input: { filter: c.filter } })).sort(), c.want.sort(), JSON.stringify(c.filter))
  const one = (await members(slug, { input: { filter: { personId: [ada.personId] } } })).data.projectBySlug.members
  assert.deepEqual(one, [{ identity: { id: ada.identityId, person: { id: ada.personId, email: ada.email } }, memberships: [{ role: 'reader' }] }])
})

test('members: limit and offset page through the same list', async () => {
  const { slug } = await membersFixture()
  const all = ids(await members(slug, {}))
  assert.equal(all.length, 3)
  assert.deepEqual(ids(await members(slug, { input: { limit: 2 } })), all.slice(0, 2))
  assert.deepEqual(ids(await members(slug, { input: { limit: 2, offset: 1 } })), all.slice(1, 3))
  assert.deepEqual(ids(await members(slug, { input: { offset: 3 } })), [])
  assert.deepEqual(ids(await members(slug, { input: { limit: 0 } })), [])
})

test('members: the deprecated memberType argument filters like input.filter.memberType', async () => {
  const { slug, ada, bob, keyId } = await membersFixture()
  assert.deepEqual(ids(await members(slug, { type: 'API_KEY' })), [keyId])
  assert.deepEqual(ids(await members(slug, { type: 'PERSON' })).sort(), [ada.identityId, bob.identityId].sort())
})

test('members: memberType together with input, or API_KEY with an email or person filter, is a UserInputError', async () => {
  const { slug, ada } = await membersFixture()
  const cases = [
    { variables: { type: 'PERSON', input: { filter: {} } }, message: 'Cannot use both deprecated memberType parameter and new input parameter' },
    { variables: { input: { filter: { memberType: 'API_KEY', email: [ada.email] } } }, message: 'Cannot use email filter for ApiKey member type.' },
    { variables: { input: { filter: { memberType: 'API_KEY', personId: [ada.personId] } } }, message: 'Cannot use personId filter for ApiKey member type.' },
  ]
  for (const c of cases) {
    const body = await members(slug, c.variables)
    assert.equal(body.errors?.[0]?.extensions?.code, 'UserInputError', JSON.stringify(body))
    assert.equal(body.errors[0].message, c.message)
    assert.equal(body.data.projectBySlug, null)
  }
})

test('members: a member who may view only some roles pages through them in order, across the batches the server reads in', { timeout: 120_000 }, async () => {
  const slug = `w-${randomBytes(5).toString('hex')}`
  const watchAcl = { roles: { ...acl.roles, watcher: { tenant: { view: { reader: true } } } } }
  assert.equal((await payload(server, `mutation($slug: String!, $config: Json) {
    createProject(projectSlug: $slug, config: $config, options: { noDeployToken: true }) { ok } }`, { slug, config: { acl: watchAcl } })).ok, true)
  // 700 members, readers and editors taking turns (the server reads 500 at a time).
  for (let batch = 0; batch < 7; batch++) {
    const fields = Array.from({ length: 100 }, (_, i) => {
      const membership = (batch * 100 + i) % 2 === 0 ? '{ role: "reader", variables: [] }' : '{ role: "editor", variables: [{ name: "language", values: ["cs"] }] }'
      return `k${i}: createApiKey(projectSlug: "${slug}", description: "m", memberships: [${membership}]) { ok error { code developerMessage } }`
    })
    const { body } = await server.gql(`mutation { ${fields.join('\n')} }`)
    assert.deepEqual(Object.values(body.data as Record<string, { ok: boolean }>).filter((r) => !r.ok), [])
  }
  const watcher = await server.gql(`mutation { createApiKey(projectSlug: "${slug}", description: "w", memberships: [{ role: "watcher", variables: [] }]) { result { apiKey { token } } } }`)
  const token = watcher.body.data.createApiKey.result.apiKey.token
  const query = `query($input: ProjectMembersInput) { projectBySlug(slug: "${slug}") { members(input: $input) { identity { id } memberships { role } } } }`
  const page = async (input: Record<string, number> | null, as?: string) =>
    (await server.gql(query, { variables: { input }, ...(as ? { token: as } : {}) })).body.data.projectBySlug.members as { identity: { id: string }; memberships: { role: string }[] }[]

  const everyone = await page(null)
  assert.equal(everyone.length, 701, "700 and the watcher")
  const readers = everyone.filter((m) => m.memberships.some((r) => r.role === 'reader')).map((m) => m.identity.id)
  assert.equal(readers.length, 350)
  const seen = await page(null, token)
  assert.deepEqual(seen.map((m) => m.identity.id), readers, 'the watcher sees the readers only, in the same order')
  assert.deepEqual((await page({ limit: 100, offset: 200 }, token)).map((m) => m.identity.id), readers.slice(200, 300), 'a page across the batch boundary')
  assert.deepEqual((await page({ limit: 100, offset: 340 }, token)).map((m) => m.identity.id), readers.slice(340))
  assert.deepEqual(await page({ limit: 10, offset: 350 }, token), [])
  assert.deepEqual((await page({ limit: 3, offset: 699 })).map((m) => m.identity.id), everyone.slice(699).map((m) => m.identity.id), 'an admin\'s page is cut by the database')
})
