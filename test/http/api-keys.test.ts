import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generateToken } from '../../src/model/tokens.js'
import { identityWithToken, payload, personWithSession } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

const server = await startServer()
const zeroId = '00000000-0000-0000-0000-000000000000'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const mutate = (query: string, variables?: Record<string, unknown>, token?: string) => payload(server, query, variables, token)

const acl = { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } } } } }
const CREATE_PROJECT = 'mutation($slug: String!, $config: Json) { createProject(projectSlug: $slug, config: $config) { ok result { deployerApiKey { id token } } } }'
const CREATE_KEY = `mutation($slug: String!, $memberships: [MembershipInput!]!, $description: String!, $hash: String) {
  createApiKey(projectSlug: $slug, memberships: $memberships, description: $description, tokenHash: $hash) {
    ok error { code developerMessage membershipValidation { code role variable } } errors { code }
    result { apiKey { id token identity { id description roles } } } } }`
const CREATE_GLOBAL = `mutation($description: String!, $roles: [String!], $hash: String) { createGlobalApiKey(description: $description, roles: $roles, tokenHash: $hash) {
  ok error { code } result { apiKey { id token identity { id description roles } } } } }`
const DISABLE = 'mutation($id: String!) { disableApiKey(id: $id) { ok error { code developerMessage } errors { code developerMessage } } }'
const ME = '{ me { id roles projects { project { slug } memberships { role variables { name values } } } } }'
const editor = (...values: string[]) => [{ role: 'editor', variables: [{ name: 'language', values }] }]

/** A project with the editor role (variable language), made by `token` (root by default). */
async function newProject(token?: string) {
  const slug = `p-${randomBytes(4).toString('hex')}`
  const r = await mutate(CREATE_PROJECT, { slug, config: { acl } }, token)
  assert.equal(r.ok, true, JSON.stringify(r))
  return { slug, deployer: r.result.deployerApiKey as { id: string; token: string } }
}

async function createKey(slug: string, token?: string, memberships = editor('cs')) {
  const r = await mutate(CREATE_KEY, { slug, memberships, description: `key of ${slug}` }, token)
  assert.equal(r.ok, true, JSON.stringify(r))
  return r.result.apiKey as { id: string; token: string; identity: { id: string } }
}

async function state() {
  const { rows } = await server.app.deps.db.query(
    `SELECT (SELECT count(*) FROM identity)::int AS identities, (SELECT count(*) FROM api_key)::int AS "apiKeys",
            (SELECT count(*) FROM api_key WHERE disabled_at IS NOT NULL)::int AS disabled,
            (SELECT count(*) FROM project_membership)::int AS memberships, (SELECT count(*) FROM project_membership_variable)::int AS variables,
            (SELECT string_agg(id::text || ':' || array_to_string(roles, ','), ' ' ORDER BY id) FROM identity) AS roles`)
  return rows[0]
}

/** A refused call: one GraphQL error and the field null (a non-null query field takes `data` with it: HTTP 400). */
async function refusal(query: string, variables: Record<string, unknown>, token?: string) {
  const { status, body } = await server.gql(query, { variables, token })
  assert.equal(body.errors?.length, 1, JSON.stringify(body))
  if (body.data === null) assert.equal(status, 400)
  else assert.deepEqual([status, Object.values(body.data)[0]], [200, null])
  return { code: body.errors[0].extensions?.code, message: body.errors[0].message }
}
const forbidden = (message: string) => ({ code: 'ForbiddenError', message })
const works = async (token: string) => (await server.gql('{ me { id } }', { token })).status === 200

test('createApiKey: answers a 40-hex token once and stores only its sha256', async () => {
  const { slug } = await newProject()
  const key = await createKey(slug)
  assert.match(key.token, /^[0-9a-f]{40}$/)
  const { rows: [row] } = await server.app.deps.db.query<{ token_hash: string }>('SELECT * FROM api_key WHERE id = $1', [key.id])
  assert.equal(row!.token_hash, sha256(key.token))
  assert.ok(!JSON.stringify(row).includes(key.token), 'the token itself is nowhere in the row')
})

test('createApiKey: the token is an identity without global roles, a member of the project with the variables given', async () => {
  const { slug } = await newProject()
  const r = await mutate(CREATE_KEY, { slug, memberships: editor('cs', 'en'), description: 'Editor key' })
  assert.deepEqual({ ok: r.ok, error: r.error, errors: r.errors }, { ok: true, error: null, errors: [] })
  const { token, identity } = r.result.apiKey
  assert.deepEqual(identity, { id: identity.id, description: 'Editor key', roles: [] })
  const me = await server.gql(ME, { token })
  assert.deepEqual(me.body.data.me, { id: identity.id, roles: [], projects: [{ project: { slug }, memberships: editor('cs', 'en') }] })
})

test('createApiKey: with tokenHash the answer has no token and the caller\'s own token works', async () => {
  const { slug } = await newProject()
  const own = generateToken()
  const r = await mutate(CREATE_KEY, { slug, memberships: editor('cs'), description: 'own', hash: sha256(own) })
  assert.equal(r.result.apiKey.token, null)
  assert.deepEqual((await server.gql(ME, { token: own })).body.data.me.projects, [{ project: { slug }, memberships: editor('cs') }])
})

test('createApiKey: a tokenHash that is not lower-case sha256 hex is a UserInputError and creates nothing', async () => {
  const { slug } = await newProject()
  const before = await state()
  for (const hash of ['abc', sha256('x').toUpperCase(), `${sha256('x')}0`]) {
    assert.deepEqual(await refusal(CREATE_KEY, { slug, memberships: editor('cs'), description: 'd', hash }),
      { code: 'UserInputError', message: 'Invalid format of tokenHash. Must be hex-encoded sha256.' }, hash)
  }
  assert.deepEqual(await state(), before)
})

test('createApiKey: memberships the project\'s roles refuse are INVALID_MEMBERSHIP with membershipValidation, and create nothing', async () => {
  const { slug } = await newProject()
  const before = await state()
  const cases = [
    { memberships: [{ role: 'foo', variables: [] }], problem: { code: 'ROLE_NOT_FOUND', role: 'foo', variable: null } },
    { memberships: [{ role: 'editor', variables: [{ name: 'language', values: ['cs'] }, { name: 'x', values: ['1'] }] }], problem: { code: 'VARIABLE_NOT_FOUND', role: 'editor', variable: 'x' } },
    { memberships: [{ role: 'editor', variables: [] }], problem: { code: 'VARIABLE_EMPTY', role: 'editor', variable: 'language' } },
    { memberships: editor(), problem: { code: 'VARIABLE_EMPTY', role: 'editor', variable: 'language' } },
  ]
  for (const c of cases) {
    const r = await mutate(CREATE_KEY, { slug, memberships: c.memberships, description: 'd' })
    assert.equal(r.ok, false)
    assert.equal(r.error.code, 'INVALID_MEMBERSHIP', JSON.stringify(c.memberships))
    assert.deepEqual(r.error.membershipValidation, [c.problem])
    assert.deepEqual(r.errors, [{ code: 'INVALID_MEMBERSHIP' }, { code: c.problem.code }])
    assert.equal(r.result, null)
  }
  const foo = await mutate(CREATE_KEY, { slug, memberships: [{ role: 'foo', variables: [] }], description: 'd' })
  assert.equal(foo.error.developerMessage, 'Provided membership is invalid: Role foo is not defined in a schema. You can also check membershipValidation field for structured details.')
  assert.deepEqual(await state(), before)
})

test('createApiKey: root gets PROJECT_NOT_FOUND for an unknown slug; a member that is not admin gets a ForbiddenError', async () => {
  const { slug, deployer } = await newProject()
  const callers = [deployer.token, (await createKey(slug)).token, server.loginToken, (await personWithSession(server)).token]
  const before = await state()
  const unknown = `p-${randomBytes(4).toString('hex')}`
  assert.deepEqual(await mutate(CREATE_KEY, { slug: unknown, memberships: editor('cs'), description: 'd' }), {
    ok: false, errors: [{ code: 'PROJECT_NOT_FOUND' }], result: null,
    error: { code: 'PROJECT_NOT_FOUND', developerMessage: `Project ${unknown} was not found or you are not allowed to access it.`, membershipValidation: null },
  })
  for (const token of callers) {
    assert.deepEqual(await refusal(CREATE_KEY, { slug, memberships: editor('cs'), description: 'd' }, token),
      forbidden('You are not allowed to create an API key for this project'))
  }
  assert.deepEqual(await state(), before)
})

test('createApiKey: an admin member may create keys in its project, not in another or an unknown one', async () => {
  const admin = await personWithSession(server, { roles: ['project_creator'] })
  const own = await newProject(admin.token)
  const other = await newProject()
  const key = await createKey(own.slug, admin.token)
  assert.equal(await works(key.token), true)
  const before = await state()
  for (const slug of [other.slug, `p-${randomBytes(4).toString('hex')}`]) {
    assert.deepEqual(await refusal(CREATE_KEY, { slug, memberships: editor('cs'), description: 'd' }, admin.token),
      forbidden('You are not allowed to create an API key for this project'))
  }
  assert.deepEqual(await state(), before)
})

test('Project.apiKeys: lists the project\'s keys (permanent, enabled, with description) to project admins only', async () => {
  const { slug, deployer } = await newProject()
  const key = await createKey(slug)
  const query = 'query($slug: String!) { projectBySlug(slug: $slug) { apiKeys { id type enabled description identity { id } } } }'
  const list = async () => (await server.gql(query, { variables: { slug } })).body.data.projectBySlug.apiKeys
  assert.deepEqual((await list()).find((k: any) => k.id === key.id),
    { id: key.id, type: 'PERMANENT', enabled: true, description: `key of ${slug}`, identity: { id: key.identity.id } })
  assert.deepEqual((await list()).map((k: any) => k.id).sort(), [deployer.id, key.id].sort())
  await mutate(DISABLE, { id: key.id })
  assert.equal((await list()).find((k: any) => k.id === key.id).enabled, false)
  const { body } = await server.gql(query, { variables: { slug }, token: deployer.token })
  assert.deepEqual(body.errors.map((e: any) => [e.extensions.code, e.path]), [['ForbiddenError', ['projectBySlug', 'apiKeys']]])
})

test('disableApiKey: the key\'s next request is HTTP 401 DISABLED; disabling again is ok and keeps the first time', async () => {
  const { slug } = await newProject()
  const key = await createKey(slug)
  assert.deepEqual(await mutate(DISABLE, { id: key.id }), { ok: true, error: null, errors: [] })
  const { status, body } = await server.gql(ME, { token: key.token })
  assert.equal(status, 401)
  assert.equal(body.errors[0].reason, 'DISABLED')
  const disabledAt = async () => (await server.app.deps.db.query<{ at: Date }>('SELECT disabled_at AS at FROM api_key WHERE id = $1', [key.id])).rows[0]!.at
  const first = await disabledAt()
  assert.deepEqual(await mutate(DISABLE, { id: key.id }), { ok: true, error: null, errors: [] })
  assert.deepEqual(await disabledAt(), first)
})

test('disableApiKey: an unknown id, a malformed one, or an identity id is KEY_NOT_FOUND and disables nothing', async () => {
  const { slug } = await newProject()
  const key = await createKey(slug)
  const before = await state()
  const notFound = { code: 'KEY_NOT_FOUND', developerMessage: 'API key not found' }
  for (const id of [zeroId, 'not-a-uuid', key.identity.id]) {
    assert.deepEqual(await mutate(DISABLE, { id }), { ok: false, error: notFound, errors: [notFound] }, id)
  }
  assert.deepEqual(await state(), before)
  assert.equal(await works(key.token), true)
})

test('disableApiKey: an admin member may disable its project\'s keys, not another project\'s; the login token and plain persons may not', async () => {
  const admin = await personWithSession(server, { roles: ['project_creator'] })
  const own = await newProject(admin.token)
  const other = await newProject()
  const otherKey = await createKey(other.slug)
  for (const id of [(await createKey(own.slug)).id, own.deployer.id]) assert.equal((await mutate(DISABLE, { id }, admin.token)).ok, true)
  assert.equal(await works(own.deployer.token), false)
  const person = await personWithSession(server)
  const before = await state()
  const message = forbidden('You are not allowed to disable api key')
  assert.deepEqual(await refusal(DISABLE, { id: otherKey.id }, admin.token), message)
  assert.deepEqual(await refusal(DISABLE, { id: other.deployer.id }, admin.token), message)
  for (const token of [server.loginToken, person.token]) assert.deepEqual(await refusal(DISABLE, { id: otherKey.id }, token), message)
  assert.deepEqual(await state(), before)
  assert.equal(await works(otherKey.token), true)
})

test('disableApiKey: a project admin may not disable a key with global roles, even one that is a member of its project', async () => {
  const admin = await personWithSession(server, { roles: ['project_creator'] })
  const own = await newProject(admin.token)
  const strong = await mutate(CREATE_GLOBAL, { description: 'strong', roles: ['super_admin'] })
  const identityId = strong.result.apiKey.identity.id
  assert.equal((await mutate('mutation($slug: String!, $id: String!) { addProjectMember(projectSlug: $slug, identityId: $id, memberships: [{ role: "deployer", variables: [] }]) { ok } }',
    { slug: own.slug, id: identityId })).ok, true)
  assert.deepEqual(await refusal(DISABLE, { id: strong.result.apiKey.id }, admin.token), forbidden('You are not allowed to disable api key'))
  assert.equal(await works(strong.result.apiKey.token), true)
})

test('createGlobalApiKey: the key has the roles given, also with a tokenHash of the caller\'s token', async () => {
  const r = await mutate(CREATE_GLOBAL, { description: 'Global PA', roles: ['project_admin'] })
  const { token, identity } = r.result.apiKey
  assert.match(token, /^[0-9a-f]{40}$/)
  assert.deepEqual(identity, { id: identity.id, description: 'Global PA', roles: ['project_admin'] })
  assert.deepEqual((await server.gql('{ me { roles permissions { canCreateProject canDeployEntrypoint } } }', { token })).body.data.me,
    { roles: ['project_admin'], permissions: { canCreateProject: false, canDeployEntrypoint: true } })
  const own = generateToken()
  const hashed = await mutate(CREATE_GLOBAL, { description: 'own', roles: ['entrypoint_deployer'], hash: sha256(own) })
  assert.equal(hashed.result.apiKey.token, null)
  assert.deepEqual((await server.gql(ME, { token: own })).body.data.me.roles, ['entrypoint_deployer'])
  const before = await state()
  assert.equal((await refusal(CREATE_GLOBAL, { description: 'bad', roles: [], hash: 'abc' })).code, 'UserInputError')
  assert.deepEqual(await state(), before)
})

test('createGlobalApiKey: a project_admin key may give only login, project_admin, entrypoint_deployer; persons may not create any', async () => {
  const pa = await identityWithToken(server, ['project_admin'])
  const r = await mutate(CREATE_GLOBAL, { description: 'by PA', roles: ['login', 'project_admin', 'entrypoint_deployer'] }, pa.token)
  assert.deepEqual((await server.gql(ME, { token: r.result.apiKey.token })).body.data.me.roles, ['login', 'project_admin', 'entrypoint_deployer'])
  const person = await personWithSession(server)
  const before = await state()
  const message = forbidden('You are not allowed to create a global API key')
  for (const roles of [['super_admin'], ['project_creator'], ['login', 'super_admin']]) {
    assert.deepEqual(await refusal(CREATE_GLOBAL, { description: 'x', roles }, pa.token), message, JSON.stringify(roles))
  }
  for (const token of [person.token, server.loginToken]) assert.deepEqual(await refusal(CREATE_GLOBAL, { description: 'x', roles: [] }, token), message)
  assert.deepEqual(await state(), before)
})

test('globalApiKeys: lists global keys, not project keys, deploy keys or the root and login tokens; persons may not ask', async () => {
  const global = (await mutate(CREATE_GLOBAL, { description: 'listed', roles: ['login'] })).result.apiKey
  const { slug, deployer } = await newProject()
  const projectKey = await createKey(slug)
  const rootId = (await server.gql('{ me { id } }')).body.data.me.id
  const loginId = (await server.gql('{ me { id } }', { token: server.loginToken })).body.data.me.id
  const { body } = await server.gql('{ globalApiKeys { id description type enabled identity { id roles } } }')
  assert.deepEqual(body.data.globalApiKeys.find((k: any) => k.id === global.id),
    { id: global.id, description: 'listed', type: 'PERMANENT', enabled: true, identity: { id: global.identity.id, roles: ['login'] } })
  const ids = body.data.globalApiKeys.flatMap((k: any) => [k.id, k.identity.id])
  for (const id of [projectKey.id, deployer.id, rootId, loginId]) assert.ok(!ids.includes(id), id)
  const pa = await identityWithToken(server, ['project_admin'])
  assert.ok((await server.gql('{ globalApiKeys { id } }', { token: pa.token })).body.data.globalApiKeys.some((k: any) => k.id === global.id))
  const person = await personWithSession(server)
  assert.deepEqual(await refusal('{ globalApiKeys { id } }', {}, person.token), forbidden('You are not allowed to view global API keys'))
})

const ADD = 'mutation($id: String!, $roles: [String!]!) { addGlobalIdentityRoles(identityId: $id, roles: $roles) { ok error { code developerMessage } result { identity { id roles } } } }'
const REMOVE = ADD.replace('addGlobalIdentityRoles', 'removeGlobalIdentityRoles')
const meRoles = async (token: string) => (await server.gql('{ me { roles } }', { token })).body.data.me.roles

test('addGlobalIdentityRoles / removeGlobalIdentityRoles: answer the identity with its roles sorted and without repeats', async () => {
  const key = await identityWithToken(server, ['login'])
  assert.deepEqual(await mutate(ADD, { id: key.identityId, roles: ['project_creator', 'entrypoint_deployer', 'project_admin', 'login'] }),
    { ok: true, error: null, result: { identity: { id: key.identityId, roles: ['entrypoint_deployer', 'login', 'project_admin', 'project_creator'] } } })
  assert.deepEqual(await meRoles(key.token), ['entrypoint_deployer', 'login', 'project_admin', 'project_creator'])
  const removed = await mutate(REMOVE, { id: key.identityId, roles: ['login', 'project_admin', 'super_admin'] })
  assert.deepEqual(removed.result.identity.roles, ['entrypoint_deployer', 'project_creator'])
  assert.deepEqual(await meRoles(key.token), ['entrypoint_deployer', 'project_creator'])
})

test('addGlobalIdentityRoles: a person\'s roles come back sorted, person among them (as the reference)', async () => {
  const person = await personWithSession(server)
  const r = await mutate(ADD, { id: person.identityId, roles: ['project_creator', 'entrypoint_deployer'] })
  assert.deepEqual(r.result.identity.roles, ['entrypoint_deployer', 'person', 'project_creator'])
})

test('addGlobalIdentityRoles / removeGlobalIdentityRoles: an unknown role name is INVALID_ROLE naming the first, and nothing is applied', async () => {
  const key = await identityWithToken(server, ['login', 'project_admin'])
  const before = await state()
  for (const [query, roles] of [[ADD, ['entrypoint_deployer', 'foo', 'bar']], [REMOVE, ['login', 'foo']]] as const) {
    for (const id of [key.identityId, zeroId]) {
      assert.deepEqual(await mutate(query, { id, roles }), { ok: false, error: { code: 'INVALID_ROLE', developerMessage: 'Role foo is not valid' }, result: null })
    }
  }
  assert.deepEqual(await state(), before)
  assert.deepEqual(await meRoles(key.token), ['login', 'project_admin'])
})

test('addGlobalIdentityRoles / removeGlobalIdentityRoles: an unknown or malformed identity id is IDENTITY_NOT_FOUND', async () => {
  const before = await state()
  for (const query of [ADD, REMOVE]) {
    for (const id of [zeroId, 'not-a-uuid']) {
      assert.deepEqual(await mutate(query, { id, roles: ['login'] }),
        { ok: false, error: { code: 'IDENTITY_NOT_FOUND', developerMessage: `Identity ${id} not found` }, result: null })
    }
  }
  assert.deepEqual(await state(), before)
})

test('addGlobalIdentityRoles / removeGlobalIdentityRoles: a project_admin may give and take only login, project_admin, entrypoint_deployer; others nothing', async () => {
  const pa = await identityWithToken(server, ['project_admin'])
  const target = await personWithSession(server)
  assert.equal((await mutate(ADD, { id: target.identityId, roles: ['entrypoint_deployer', 'login'] }, pa.token)).ok, true)
  assert.equal((await mutate(REMOVE, { id: target.identityId, roles: ['login'] }, pa.token)).ok, true)
  const creator = await personWithSession(server, { roles: ['project_creator'] })
  const before = await state()
  for (const roles of [['project_creator'], ['super_admin'], ['login', 'foo']]) {
    assert.deepEqual(await refusal(ADD, { id: target.identityId, roles }, pa.token), forbidden('You are not allowed to add global roles'), JSON.stringify(roles))
  }
  assert.deepEqual(await refusal(REMOVE, { id: target.identityId, roles: ['project_creator'] }, pa.token), forbidden('You are not allowed to remove global roles'))
  // An identity holding a role the project admin cannot grant is out of its reach altogether.
  assert.deepEqual(await refusal(ADD, { id: creator.identityId, roles: ['login'] }, pa.token), forbidden('You are not allowed to add global roles'))
  assert.deepEqual(await refusal(REMOVE, { id: creator.identityId, roles: ['project_creator'] }, pa.token), forbidden('You are not allowed to remove global roles'))
  for (const token of [target.token, server.loginToken]) {
    assert.deepEqual(await refusal(ADD, { id: target.identityId, roles: ['login'] }, token), forbidden('You are not allowed to add global roles'))
    assert.deepEqual(await refusal(REMOVE, { id: target.identityId, roles: ['entrypoint_deployer'] }, token), forbidden('You are not allowed to remove global roles'))
  }
  assert.deepEqual(await state(), before)
  assert.deepEqual([...await meRoles(target.token)].sort(), ['entrypoint_deployer', 'person'])
  assert.deepEqual([...await meRoles(creator.token)].sort(), ['person', 'project_creator'])
})

test('addGlobalIdentityRoles: project_creator lets a person create projects; removing it takes that away', async () => {
  const person = await personWithSession(server)
  const create = () => server.gql(CREATE_PROJECT, { variables: { slug: `p-${randomBytes(4).toString('hex')}` }, token: person.token })
  const refused = (r: { body: any }) => r.body.errors?.[0]?.message === 'You are not allowed to create a project'
  assert.ok(refused(await create()))
  assert.equal((await mutate(ADD, { id: person.identityId, roles: ['project_creator'] })).ok, true)
  assert.equal((await create()).body.data.createProject.ok, true)
  assert.equal((await mutate(REMOVE, { id: person.identityId, roles: ['project_creator'] })).ok, true)
  assert.ok(refused(await create()))
})
