import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { manualClock } from '../../src/model/clock.js'
import { generateToken } from '../../src/model/tokens.js'
import { identityWithToken, payload, personWithSession } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

const clock = manualClock(new Date('2026-03-01T10:00:00Z'))
const server = await startServer({ clock })

const newSlug = () => `p-${randomBytes(4).toString('hex')}`
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const mutate = (query: string, variables?: Record<string, unknown>, token?: string) => payload(server, query, variables, token)

const CREATE = `mutation($slug: String!, $name: String, $config: Json, $secrets: [ProjectSecret!], $options: CreateProjectOptions, $hash: String) {
  createProject(projectSlug: $slug, name: $name, config: $config, secrets: $secrets, options: $options, deployTokenHash: $hash) {
    ok error { code developerMessage } result { deployerApiKey { id token identity { id description roles } } } } }`
const UPDATE = 'mutation($slug: String!, $name: String, $config: Json, $merge: Boolean) { updateProject(projectSlug: $slug, name: $name, config: $config, mergeConfig: $merge) { ok error { code developerMessage } } }'
const SET_SECRET = 'mutation($slug: String!, $key: String!, $value: String!) { setProjectSecret(projectSlug: $slug, key: $key, value: $value) { ok error { code developerMessage } } }'
const PROJECT = `query($slug: String!) { projectBySlug(slug: $slug) { id name slug config
  roles { name variables { __typename name ... on RoleEntityVariableDefinition { entityName } ... on RolePredefinedVariableDefinition { value } } } } }`
const ME_PROJECTS = '{ me { roles projects { project { slug } memberships { role variables { name values } } } } }'

const acl = {
  roles: {
    editor: { variables: { language: { type: 'entity', entityName: 'Language' } }, stages: '*', entities: { Article: { predicates: {} } } },
    reviewer: { variables: { owner: { type: 'predefined', value: 'identityID' }, scope: { type: 'condition' } } },
  },
}

async function createProject(variables: Record<string, unknown> = {}, token?: string) {
  const slug = newSlug()
  const r = await mutate(CREATE, { slug, ...variables }, token)
  assert.equal(r.ok, true, JSON.stringify(r))
  return { slug, deployer: r.result.deployerApiKey }
}

const project = async (slug: string, token?: string) => (await server.gql(PROJECT, { variables: { slug }, token })).body.data.projectBySlug

/** Row counts of everything a project operation may write: a rejected call leaves them as they were. */
async function state() {
  const { rows } = await server.app.deps.db.query<Record<'projects' | 'memberships' | 'identities' | 'apiKeys' | 'secrets', number>>(
    `SELECT (SELECT count(*) FROM project)::int AS projects, (SELECT count(*) FROM project_membership)::int AS memberships,
            (SELECT count(*) FROM identity)::int AS identities, (SELECT count(*) FROM api_key)::int AS "apiKeys",
            (SELECT count(*) FROM project_secret)::int AS secrets`)
  return rows[0]!
}

/** The GraphQL error of a refused call: one error at the field, the field null. */
async function refusal(query: string, variables: Record<string, unknown>, token?: string) {
  const { status, body } = await server.gql(query, { variables, token })
  assert.equal(status, 200, JSON.stringify(body))
  assert.equal(body.errors?.length, 1, JSON.stringify(body))
  const field = Object.keys(body.data)[0]!
  assert.equal(body.data[field], null)
  return { code: body.errors[0].extensions?.code, message: body.errors[0].message }
}

const forbidden = (message: string) => ({ code: 'ForbiddenError', message })

test('createProject: stores name (the slug by default) and config; roles are the ACL roles, then admin, content_admin, deployer', async () => {
  const { slug } = await createProject({ config: { acl, other: { x: [1, 2] } } })
  const p = await project(slug)
  assert.match(p.id, /^[0-9a-f-]{36}$/)
  assert.deepEqual({ name: p.name, slug: p.slug, config: p.config }, { name: slug, slug, config: { acl, other: { x: [1, 2] } } })
  assert.deepEqual(p.roles, [
    { name: 'editor', variables: [{ __typename: 'RoleEntityVariableDefinition', name: 'language', entityName: 'Language' }] },
    { name: 'reviewer', variables: [
      { __typename: 'RolePredefinedVariableDefinition', name: 'owner', value: 'identityID' },
      { __typename: 'RoleConditionVariableDefinition', name: 'scope' },
    ] },
    { name: 'admin', variables: [] }, { name: 'content_admin', variables: [] }, { name: 'deployer', variables: [] },
  ])
  const named = await createProject({ name: 'My Project' })
  const n = await project(named.slug)
  assert.deepEqual({ name: n.name, config: n.config }, { name: 'My Project', config: {} })
})

test('createProject: makes a deploy key by default whose 40-hex token is a deployer of that project only', async () => {
  const { slug, deployer } = await createProject()
  assert.match(deployer.token, /^[0-9a-f]{40}$/)
  assert.deepEqual(deployer.identity, { id: deployer.identity.id, description: `Deploy key for ${slug}`, roles: [] })
  const me = await server.gql(ME_PROJECTS, { token: deployer.token })
  assert.deepEqual(me.body.data.me, { roles: [], projects: [{ project: { slug }, memberships: [{ role: 'deployer', variables: [] }] }] })
})

test('createProject: options.deployTokenHash makes the deploy key accept the caller\'s own token; the answer has no token', async () => {
  const own = generateToken()
  const { slug, deployer } = await createProject({ options: { deployTokenHash: sha256(own) } })
  assert.equal(deployer.token, null)
  const me = await server.gql(ME_PROJECTS, { token: own })
  assert.deepEqual(me.body.data.me.projects, [{ project: { slug }, memberships: [{ role: 'deployer', variables: [] }] }])
})

test('createProject: options.noDeployToken makes no key and no identity', async () => {
  const before = await state()
  const { deployer } = await createProject({ options: { noDeployToken: true } })
  assert.equal(deployer, null)
  assert.deepEqual(await state(), { ...before, projects: before.projects + 1 })
})

test('createProject: a deployTokenHash that is not lower-case sha256 hex is a UserInputError and creates nothing', async () => {
  const before = await state()
  const message = 'Invalid format of deployTokenHash. Must be hex-encoded sha256.'
  for (const variables of [{ options: { deployTokenHash: 'xyz' } }, { options: { deployTokenHash: sha256('a').toUpperCase() } }, { hash: 'xyz' }]) {
    const slug = newSlug()
    assert.deepEqual(await refusal(CREATE, { slug, ...variables }), { code: 'UserInputError', message }, JSON.stringify(variables))
    assert.equal(await project(slug), null)
  }
  assert.deepEqual(await state(), before)
})

test('createProject: a taken slug is ALREADY_EXISTS and leaves the project as it was', async () => {
  const { slug } = await createProject({ name: 'First', config: { a: 1 } })
  const before = await state()
  const r = await mutate(CREATE, { slug, name: 'Second', config: { b: 2 } })
  assert.deepEqual(r, { ok: false, error: { code: 'ALREADY_EXISTS', developerMessage: `Project ${slug} already exists` }, result: null })
  assert.deepEqual(await state(), before)
  const p = await project(slug)
  assert.deepEqual({ name: p.name, config: p.config }, { name: 'First', config: { a: 1 } })
})

test('createProject: an invalid ACL is INIT_ERROR naming where, and creates nothing', async () => {
  const before = await state()
  const cases = [
    { config: { acl: { roles: { editor: { variables: { language: { type: 'nope' } } } } } }, path: 'config.acl.roles.editor.variables.language' },
    { config: { acl: { roles: { editor: { tenant: { manage: { ghost: true } } } } } }, path: 'config.acl.roles.editor.tenant.manage' },
    { config: { acl: { roles: 'all' } }, path: 'config.acl.roles' },
  ]
  for (const c of cases) {
    const slug = newSlug()
    const r = await mutate(CREATE, { slug, config: c.config })
    assert.equal(r.ok, false)
    assert.equal(r.error.code, 'INIT_ERROR')
    assert.ok(r.error.developerMessage.startsWith('Project initialization error: '), r.error.developerMessage)
    assert.ok(r.error.developerMessage.includes(c.path), `${r.error.developerMessage} names ${c.path}`)
    assert.equal(await project(slug), null)
  }
  assert.deepEqual(await state(), before)
})

test('createProject: a slug with anything but letters, digits, "_" and "-" is a UserInputError and creates nothing', async () => {
  const before = await state()
  const id = randomBytes(3).toString('hex')
  for (const slug of ['', `p ${id}`, `p.${id}`, `p/${id}`, `p%${id}`, `pé${id}`, 'a'.repeat(256)]) {
    const answer = await refusal(CREATE, { slug })
    assert.equal(answer.code, 'UserInputError', JSON.stringify(slug))
    assert.equal(await project(slug), null)
  }
  assert.deepEqual(await state(), before)
  await createProject({}) // the same call with a valid slug goes through
})

test('createProject: slugs with underscores, upper case and dashes anywhere work, as in Contember projects', async () => {
  for (const slug of [`test_${randomBytes(3).toString('hex')}`, `My_Blog-${randomBytes(3).toString('hex')}`, `-x--${randomBytes(2).toString('hex')}_`]) {
    const created = await server.gql('mutation($slug: String!) { createProject(projectSlug: $slug) { ok } }', { variables: { slug } })
    assert.equal(created.body.data?.createProject?.ok, true, `${slug}: ${JSON.stringify(created.body)}`)
    assert.deepEqual((await server.gql('query($slug: String!) { projectBySlug(slug: $slug) { slug } }', { variables: { slug } })).body.data.projectBySlug, { slug })
  }
})

test('createProject: a project_creator person becomes its admin member; root does not become a member', async () => {
  const creator = await personWithSession(server, { roles: ['project_creator'] })
  const { slug, deployer } = await createProject({}, creator.token)
  const me = await server.gql(ME_PROJECTS, { token: creator.token })
  assert.deepEqual(me.body.data.me.projects, [{ project: { slug }, memberships: [{ role: 'admin', variables: [] }] }])
  const members = async (s: string) => (await server.gql('query($slug: String!) { projectBySlug(slug: $slug) { members { identity { id } memberships { role } } } }', { variables: { slug: s } }))
    .body.data.projectBySlug.members.map((m: any) => `${m.identity.id}:${m.memberships.map((x: any) => x.role).join()}`).sort()
  assert.deepEqual(await members(slug), [`${creator.identityId}:admin`, `${deployer.identity.id}:deployer`].sort())
  const byRoot = await createProject()
  assert.deepEqual(await members(byRoot.slug), [`${byRoot.deployer.identity.id}:deployer`])
})

test('createProject: the login token, a plain person and a global project_admin key get a ForbiddenError and nothing is created', async () => {
  const callers = [server.loginToken, (await personWithSession(server)).token, (await identityWithToken(server, ['project_admin'])).token]
  const before = await state()
  for (const token of callers) {
    const slug = newSlug()
    assert.deepEqual(await refusal(CREATE, { slug, config: {} }, token), forbidden('You are not allowed to create a project'))
    assert.equal(await project(slug), null)
  }
  assert.deepEqual(await state(), before)
})

test('updateProject: a name alone renames and keeps the config', async () => {
  const { slug } = await createProject({ config: { acl } })
  assert.deepEqual(await mutate(UPDATE, { slug, name: 'Renamed' }), { ok: true, error: null })
  const p = await project(slug)
  assert.deepEqual({ name: p.name, config: p.config }, { name: 'Renamed', config: { acl } })
})

test('updateProject: a config replaces the old one; with mergeConfig it is deep-merged and arrays are concatenated', async () => {
  const { slug } = await createProject({ config: { a: 1, arr: [1, 2, 3], nested: { x: 1, y: { deep: true } }, keep: 'k' } })
  assert.equal((await mutate(UPDATE, { slug, config: { arr: [9], nested: { y: { other: 1 } }, b: 2 }, merge: true })).ok, true)
  assert.deepEqual((await project(slug)).config, { a: 1, b: 2, arr: [1, 2, 3, 9], keep: 'k', nested: { x: 1, y: { deep: true, other: 1 } } })
  assert.equal((await mutate(UPDATE, { slug, config: { only: 1 } })).ok, true)
  assert.deepEqual((await project(slug)).config, { only: 1 })
  assert.equal((await mutate(UPDATE, { slug, config: { acl } })).ok, true)
  assert.deepEqual((await project(slug)).roles.map((r: any) => r.name), ['editor', 'reviewer', 'admin', 'content_admin', 'deployer'])
})

test('updateProject: a config with an invalid ACL is a UserInputError and the config stays', async () => {
  const { slug } = await createProject({ name: 'Kept', config: { acl } })
  for (const variables of [
    { config: { acl: { roles: { editor: { variables: { language: { type: 'nope' } } } } } } },
    { config: { acl: { roles: { reviewer: { tenant: { view: { ghost: true } } } } } }, merge: true },
  ]) {
    const answer = await refusal(UPDATE, { slug, name: 'Changed', ...variables })
    assert.equal(answer.code, 'UserInputError', JSON.stringify(variables))
    assert.ok(answer.message.includes('config.acl.roles'), answer.message)
  }
  const p = await project(slug)
  assert.deepEqual({ name: p.name, config: p.config }, { name: 'Kept', config: { acl } })
})

test('updateProject: an unknown slug is PROJECT_NOT_FOUND and creates nothing', async () => {
  const slug = newSlug()
  const before = await state()
  assert.deepEqual(await mutate(UPDATE, { slug, name: 'X', config: {} }), {
    ok: false, error: { code: 'PROJECT_NOT_FOUND', developerMessage: `Project ${slug} was not found or you are not allowed to access it.` },
  })
  assert.deepEqual(await state(), before)
})

test('updateProject: only super admins; a project admin member and a global project_admin key get a ForbiddenError and nothing changes', async () => {
  const admin = await personWithSession(server, { roles: ['project_creator'] })
  const { slug } = await createProject({ name: 'Kept', config: { a: 1 } }, admin.token)
  for (const token of [admin.token, (await identityWithToken(server, ['project_admin'])).token, server.loginToken]) {
    assert.deepEqual(await refusal(UPDATE, { slug, name: 'Changed', config: { b: 2 } }, token), forbidden('You are not allowed to update a project'))
  }
  const p = await project(slug)
  assert.deepEqual({ name: p.name, config: p.config }, { name: 'Kept', config: { a: 1 } })
})

const SECRETS = 'query($slug: String!) { projectBySlug(slug: $slug) { secrets { key createdAt updatedAt } } }'
const secretRows = async (slug: string) => (await server.app.deps.db.query<{ key: string; sealed: string }>(
  'SELECT s.key, s.value_encrypted AS sealed FROM project_secret s JOIN project p ON p.id = s.project_id WHERE p.slug = $1 ORDER BY s.key', [slug])).rows

test('secrets: createProject and setProjectSecret store values encrypted; the API lists keys and times only', async () => {
  const value = `s3cret-${randomBytes(8).toString('hex')}`
  const { slug } = await createProject({ secrets: [{ key: 'api', value }] })
  const other = `other-${randomBytes(8).toString('hex')}`
  assert.deepEqual(await mutate(SET_SECRET, { slug, key: 'smtp', value: other }), { ok: true, error: null })
  const rows = await secretRows(slug)
  assert.deepEqual(rows.map((r) => r.key), ['api', 'smtp'])
  for (const [i, plain] of [value, other].entries()) {
    assert.ok(rows[i]!.sealed.startsWith('v1.'), rows[i]!.sealed)
    assert.ok(!rows[i]!.sealed.includes(plain))
  }
  const at = clock.now().toISOString()
  assert.deepEqual((await server.gql(SECRETS, { variables: { slug } })).body.data.projectBySlug.secrets, [
    { key: 'api', createdAt: at, updatedAt: at }, { key: 'smtp', createdAt: at, updatedAt: at },
  ])
  const asked = await server.gql('query($slug: String!) { projectBySlug(slug: $slug) { secrets { key value } } }', { variables: { slug } })
  assert.equal(asked.status, 400, 'ProjectSecretInfo has no value field')
})

test('setProjectSecret: setting a key again replaces the value and moves updatedAt; createdAt stays', async () => {
  const { slug } = await createProject({ secrets: [{ key: 'api', value: 'first-value' }] })
  const created = clock.now().toISOString()
  const [before] = await secretRows(slug)
  clock.advance(60_000)
  assert.equal((await mutate(SET_SECRET, { slug, key: 'api', value: 'second-value' })).ok, true)
  const [after] = await secretRows(slug)
  assert.notEqual(after!.sealed, before!.sealed)
  assert.deepEqual((await server.gql(SECRETS, { variables: { slug } })).body.data.projectBySlug.secrets,
    [{ key: 'api', createdAt: created, updatedAt: clock.now().toISOString() }])
})

test('setProjectSecret: an unknown project is PROJECT_NOT_FOUND; anyone but a super admin gets a ForbiddenError; nothing changes', async () => {
  const unknown = newSlug()
  const counted = await state()
  assert.deepEqual(await mutate(SET_SECRET, { slug: unknown, key: 'api', value: 'v' }), {
    ok: false, error: { code: 'PROJECT_NOT_FOUND', developerMessage: `Project ${unknown} was not found or you are not allowed to access it.` },
  })
  assert.deepEqual(await state(), counted)
  const admin = await personWithSession(server, { roles: ['project_creator'] })
  const { slug } = await createProject({ secrets: [{ key: 'api', value: 'kept' }] }, admin.token)
  const before = await secretRows(slug)
  for (const token of [admin.token, (await identityWithToken(server, ['project_admin'])).token, server.loginToken]) {
    for (const key of ['api', 'new']) {
      assert.deepEqual(await refusal(SET_SECRET, { slug, key, value: 'changed' }, token), forbidden('You are not allowed to set project secrets'))
    }
  }
  assert.deepEqual(await secretRows(slug), before)
})

test('Project.secrets: a project admin member sees them; a plain member gets a ForbiddenError on the field', async () => {
  const admin = await personWithSession(server, { roles: ['project_creator'] })
  const { slug, deployer } = await createProject({ secrets: [{ key: 'api', value: 'v' }] }, admin.token)
  const seen = await server.gql(SECRETS, { variables: { slug }, token: admin.token })
  assert.deepEqual(seen.body.data.projectBySlug.secrets.map((s: any) => s.key), ['api'])
  const { status, body } = await server.gql(SECRETS, { variables: { slug }, token: deployer.token })
  assert.equal(status, 200)
  assert.deepEqual(body.errors.map((e: any) => [e.extensions.code, e.path]), [['ForbiddenError', ['projectBySlug', 'secrets']]])
  assert.equal(body.data.projectBySlug, null)
})

test('projects / projectBySlug: root and a global project_admin key see all; a member its own; others none', async () => {
  const member = await personWithSession(server, { roles: ['project_creator'] })
  const mine = await createProject({}, member.token)
  const other = await createProject()
  const outsider = await personWithSession(server)
  const callers = [
    { name: 'root', token: server.rootToken, sees: [mine.slug, other.slug] },
    { name: 'project_admin key', token: (await identityWithToken(server, ['project_admin'])).token, sees: [mine.slug, other.slug] },
    { name: 'admin member', token: member.token, sees: [mine.slug] },
    { name: 'deployer member', token: mine.deployer.token, sees: [mine.slug] },
    { name: 'non-member', token: outsider.token, sees: [] },
    { name: 'login token', token: server.loginToken, sees: [] },
  ]
  for (const c of callers) {
    const { body } = await server.gql('{ projects { slug } }', { token: c.token })
    const listed = body.data.projects.map((p: any) => p.slug).filter((s: string) => s === mine.slug || s === other.slug)
    assert.deepEqual(listed.sort(), [...c.sees].sort(), c.name)
    if (c.sees.length === 0) assert.deepEqual(body.data.projects, [], c.name)
    for (const slug of [mine.slug, other.slug]) {
      assert.equal((await project(slug, c.token))?.slug ?? null, c.sees.includes(slug) ? slug : null, `${c.name} asks for ${slug}`)
    }
  }
})
