import assert from 'node:assert/strict'
import { test } from 'node:test'
import { insertPersonWithToken } from '../helpers/fixtures.js'
import { startServer } from '../helpers/server.js'

const server = await startServer()
const meQuery = '{ me { id description roles permissions { canCreateProject canDeployEntrypoint } person { id } } }'

test('me: the root token is a super admin without a person', async () => {
  const { status, body } = await server.gql(meQuery)
  assert.equal(status, 200)
  assert.equal(body.errors, undefined)
  assert.match(body.data.me.id, /^[0-9a-f-]{36}$/)
  assert.deepEqual(body.data.me.roles, ['super_admin'])
  assert.deepEqual(body.data.me.permissions, { canCreateProject: true, canDeployEntrypoint: true })
  assert.equal(body.data.me.person, null)
  assert.equal(body.data.me.description, null)
})

test('me: the login token has only the login role', async () => {
  const { status, body } = await server.gql(meQuery, { token: server.loginToken })
  assert.equal(status, 200)
  assert.deepEqual(body.data.me.roles, ['login'])
  assert.deepEqual(body.data.me.permissions, { canCreateProject: false, canDeployEntrypoint: false })
})

test('me: root and login are different identities, the same on every call', async () => {
  const root1 = (await server.gql('{ me { id } }')).body.data.me.id
  const root2 = (await server.gql('{ me { id } }')).body.data.me.id
  const login = (await server.gql('{ me { id } }', { token: server.loginToken })).body.data.me.id
  assert.equal(root1, root2)
  assert.notEqual(root1, login)
})

test('me: an identity with a person shows it, its email, and the person role', async () => {
  const person = await insertPersonWithToken(server.app.deps.db, { roles: ['project_admin'], name: 'Ada' })
  const { body } = await server.gql('{ me { id roles permissions { canDeployEntrypoint } person { id email name identity { id roles } } } }', { token: person.token })
  assert.equal(body.data.me.id, person.identityId)
  assert.deepEqual(body.data.me.roles, ['project_admin', 'person'])
  assert.deepEqual(body.data.me.person, {
    id: person.personId, email: person.email, name: 'Ada', identity: { id: person.identityId, roles: ['project_admin', 'person'] },
  })
  assert.equal(body.data.me.permissions.canDeployEntrypoint, true)
})
