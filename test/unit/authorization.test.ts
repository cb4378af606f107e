import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseAuthorization } from '../../src/model/auth/authenticate.js'
import { globalPermissions } from '../../src/model/acl/globalPermissions.js'
import { hashToken, sameHash } from '../../src/model/tokens.js'

const headers: { header: string | undefined; token?: string; code?: string }[] = [
  { header: undefined, code: 'MISSING' },
  { header: '', code: 'MISSING' },
  { header: '   ', code: 'MISSING' },
  { header: 'Bearer abc', token: 'abc' },
  { header: 'bearer abc', token: 'abc' },
  { header: 'BEARER  abc ', token: 'abc' },
  { header: 'Bearer', code: 'MALFORMED' },
  { header: 'Bearer ', code: 'MALFORMED' },
  { header: 'Basic abc', code: 'MALFORMED' },
  { header: 'Bearer a b', code: 'MALFORMED' },
  { header: 'abc', code: 'MALFORMED' },
  { header: 'Bearerabc', code: 'MALFORMED' },
]

for (const c of headers) {
  test(`Authorization ${JSON.stringify(c.header)} -> ${c.token ?? c.code}`, () => {
    const result = parseAuthorization(c.header)
    if (c.token) assert.deepEqual(result, { ok: true, value: c.token })
    else assert.equal(!result.ok && result.code, c.code)
  })
}

const roleCases: { roles: string[]; canCreateProject: boolean; canDeployEntrypoint: boolean }[] = [
  { roles: [], canCreateProject: false, canDeployEntrypoint: false },
  { roles: ['login'], canCreateProject: false, canDeployEntrypoint: false },
  { roles: ['person'], canCreateProject: false, canDeployEntrypoint: false },
  { roles: ['super_admin'], canCreateProject: true, canDeployEntrypoint: true },
  { roles: ['project_creator'], canCreateProject: true, canDeployEntrypoint: false },
  { roles: ['project_admin'], canCreateProject: false, canDeployEntrypoint: true },
  { roles: ['entrypoint_deployer'], canCreateProject: false, canDeployEntrypoint: true },
  { roles: ['project_creator', 'entrypoint_deployer'], canCreateProject: true, canDeployEntrypoint: true },
]

for (const c of roleCases) {
  test(`global permissions of ${JSON.stringify(c.roles)}`, () => {
    assert.deepEqual(globalPermissions(c.roles), { canCreateProject: c.canCreateProject, canDeployEntrypoint: c.canDeployEntrypoint })
  })
}

test('token hashes: sha256 hex, compared whole', () => {
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  assert.equal(sameHash(hashToken('a'), hashToken('a')), true)
  assert.equal(sameHash(hashToken('a'), hashToken('b')), false)
  assert.equal(sameHash(hashToken('a'), hashToken('a').slice(0, 63)), false)
})
