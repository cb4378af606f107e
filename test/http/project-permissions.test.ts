import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { payload, personWithSession, signUpPerson } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'

const server = await startServer()

// Who may add, update, remove and view which memberships in a project, over HTTP. The rules
// (README, "Who may do what"): root, global project admins and members
// with role `admin` may do everything; other members only what their role's ACL `tenant`
// section gives: `manage` covers a membership when it names the role and, per variable of the
// membership, says `true` or bounds the values by the caller's own values of a variable;
// `view` follows from `manage` or `view`.

const language = { language: { type: 'entity', entityName: 'Language' } }
const acl = {
  roles: {
    editor: { variables: language },
    viewer: { variables: language },
    chief: { variables: language, tenant: { manage: { editor: { variables: { language: 'language' } }, viewer: true }, view: { chief: true } } },
    moderator: { tenant: { manage: { viewer: { variables: true } } } },
    auditor: { tenant: { view: { editor: true, viewer: true, chief: true } } },
  },
}

interface Membership { role: string; variables: { name: string; values: string[] }[] }
const m = (role: string, ...values: string[]): Membership => ({ role, variables: values.length ? [{ name: 'language', values }] : [] })

const targets: Record<string, Membership> = {
  'editor [cs]': m('editor', 'cs'),
  'editor [cs, de]': m('editor', 'cs', 'de'),
  'editor [en]': m('editor', 'en'),
  'viewer [de]': m('viewer', 'de'),
  'chief [cs]': m('chief', 'cs'),
  'admin': m('admin'),
}
const operations = ['add', 'update', 'remove', 'view'] as const
type Operation = typeof operations[number]

const Y = true
const N = false
// One row per caller; per operation, one column per target in the order of `targets`:
//                        editor [cs], editor [cs, de], editor [en], viewer [de], chief [cs], admin
const expected: Record<string, Record<Operation, boolean[]>> = {
  'admin member': /*     */ { add: [Y, Y, Y, Y, Y, Y], update: [Y, Y, Y, Y, Y, Y], remove: [Y, Y, Y, Y, Y, Y], view: [Y, Y, Y, Y, Y, Y] },
  'chief [cs, en]': /*   */ { add: [Y, N, Y, Y, N, N], update: [Y, N, Y, Y, N, N], remove: [Y, N, Y, Y, N, N], view: [Y, N, Y, Y, Y, N] },
  'chief [cs]': /*       */ { add: [Y, N, N, Y, N, N], update: [Y, N, N, Y, N, N], remove: [Y, N, N, Y, N, N], view: [Y, N, N, Y, Y, N] },
  'moderator': /*        */ { add: [N, N, N, Y, N, N], update: [N, N, N, Y, N, N], remove: [N, N, N, Y, N, N], view: [N, N, N, Y, N, N] },
  'auditor': /*          */ { add: [N, N, N, N, N, N], update: [N, N, N, N, N, N], remove: [N, N, N, N, N, N], view: [Y, Y, Y, Y, Y, N] },
  'editor [cs]': /*      */ { add: [N, N, N, N, N, N], update: [N, N, N, N, N, N], remove: [N, N, N, N, N, N], view: [N, N, N, N, N, N] },
  'non-member': /*       */ { add: [N, N, N, N, N, N], update: [N, N, N, N, N, N], remove: [N, N, N, N, N, N], view: [N, N, N, N, N, N] },
  'project_admin key': /**/ { add: [Y, Y, Y, Y, Y, Y], update: [Y, Y, Y, Y, Y, Y], remove: [Y, Y, Y, Y, Y, Y], view: [Y, Y, Y, Y, Y, Y] },
  'root': /*             */ { add: [Y, Y, Y, Y, Y, Y], update: [Y, Y, Y, Y, Y, Y], remove: [Y, Y, Y, Y, Y, Y], view: [Y, Y, Y, Y, Y, Y] },
}

const MS = 'role variables { name values }'
const ADD = 'mutation($slug: String!, $id: String!, $m: [MembershipInput!]!) { addProjectMember(projectSlug: $slug, identityId: $id, memberships: $m) { ok error { code } } }'
const UPDATE = 'mutation($slug: String!, $id: String!, $m: [MembershipInput!]!) { updateProjectMember(projectSlug: $slug, identityId: $id, memberships: $m) { ok error { code } } }'
const REMOVE = 'mutation($slug: String!, $id: String!) { removeProjectMember(projectSlug: $slug, identityId: $id) { ok error { code } } }'
const MEMBERSHIPS = `query($slug: String!, $id: String!) { projectMemberships(projectSlug: $slug, identityId: $id) { ${MS} } }`
const MEMBERS = `query($slug: String!, $ids: [String!]) {
  projectBySlug(slug: $slug) { members(input: { filter: { identityId: $ids } }) { identity { id } memberships { ${MS} } } } }`
const refusals = {
  add: 'You are not allowed to add a project member',
  update: 'You are not allowed to update project member variables',
  remove: 'You are not allowed to remove a project member',
}

async function createProject() {
  const slug = `pp-${randomBytes(5).toString('hex')}`
  const r = await payload(server, 'mutation($slug: String!, $config: Json) { createProject(projectSlug: $slug, config: $config, options: { noDeployToken: true }) { ok } }',
    { slug, config: { acl } })
  assert.equal(r.ok, true)
  return slug
}

const slug = await createProject()
const membershipsOf = (id: string, projectSlug = slug, token?: string) => payload(server, MEMBERSHIPS, { slug: projectSlug, id }, token)

/** A new person (no password), a member with `memberships` when any are given (added by root). */
async function identity(...memberships: Membership[]) {
  const person = await signUpPerson(server, { password: null })
  if (memberships.length) assert.equal((await payload(server, ADD, { slug, id: person.identityId, m: memberships })).ok, true)
  return person.identityId
}

async function memberToken(...memberships: Membership[]) {
  const person = await personWithSession(server)
  if (memberships.length) assert.equal((await payload(server, ADD, { slug, id: person.identityId, m: memberships })).ok, true)
  return person.token
}

const globalKey = await payload(server, 'mutation { createGlobalApiKey(description: "pa", roles: ["project_admin"]) { ok result { apiKey { token } } } }')
const tokens: Record<string, string> = {
  'admin member': await memberToken(m('admin')),
  'chief [cs, en]': await memberToken(m('chief', 'cs', 'en')),
  'chief [cs]': await memberToken(m('chief', 'cs')),
  'moderator': await memberToken(m('moderator')),
  'auditor': await memberToken(m('auditor')),
  'editor [cs]': await memberToken(m('editor', 'cs')),
  'non-member': await memberToken(),
  'project_admin key': globalKey.result.apiKey.token,
  'root': server.rootToken,
}

type Outcome = boolean | string

/**
 * Sends a membership mutation as `token`. `true`: ok and the memberships are then `after`;
 * `false`: a ForbiddenError with the operation's text, the field null, and nothing changed; or,
 * for a member the caller may not see, NOT_MEMBER and nothing changed (it is no member to them).
 * Anything else comes back as a description of what was answered.
 */
async function mutate(op: 'add' | 'update' | 'remove', token: string, id: string, query: string, m: Membership[] | undefined, after: Membership[]): Promise<Outcome> {
  const before = await membershipsOf(id)
  const { status, body } = await server.gql(query, { token, variables: { slug, id, m } })
  const field = `${op}ProjectMember`
  const now = await membershipsOf(id)
  if (body.errors) {
    const refused = status === 200 && body.errors.length === 1 && body.errors[0].extensions?.code === 'ForbiddenError' &&
      body.errors[0].message === refusals[op] && body.data?.[field] === null
    if (!refused) return `HTTP ${status} ${JSON.stringify(body)}`
    return JSON.stringify(now) === JSON.stringify(before) ? false : `refused, but memberships became ${JSON.stringify(now)}`
  }
  if (!body.data[field].ok) {
    const hidden = body.data[field].error?.code === 'NOT_MEMBER' && before.length > 0 && JSON.stringify(now) === JSON.stringify(before)
    return hidden && (await membershipsOf(id, slug, token)).length === 0 ? false : JSON.stringify(body.data[field])
  }
  return JSON.stringify(now) === JSON.stringify(after) ? true : `ok, but memberships became ${JSON.stringify(now)}`
}

/** `true`: members and projectMemberships both show exactly `target`; `false`: neither shows anything. */
async function view(token: string, target: Membership): Promise<Outcome> {
  const id = await identity(target)
  const project = await payload(server, MEMBERS, { slug, ids: [id] }, token)
  const members = project?.members ?? []
  const memberships = await membershipsOf(id, slug, token)
  if (members.length === 0 && memberships.length === 0) return false
  const shown = JSON.stringify([{ identity: { id }, memberships: [target] }]) === JSON.stringify(members) &&
    JSON.stringify(memberships) === JSON.stringify([target])
  return shown || `members ${JSON.stringify(members)}, projectMemberships ${JSON.stringify(memberships)}`
}

const attempt: Record<Operation, (token: string, target: Membership) => Promise<Outcome>> = {
  add: async (token, target) => mutate('add', token, await identity(), ADD, [target], [target]),
  // The member holds the target membership, and the update names it again. (Roles not named are
  // removed, as in the reference: memberships.test.ts.)
  update: async (token, target) => mutate('update', token, await identity(target), UPDATE, [target], [target]),
  remove: async (token, target) => mutate('remove', token, await identity(target), REMOVE, undefined, []),
  view,
}

for (const [caller, row] of Object.entries(expected)) {
  test(`project permissions: ${caller} may add, update, remove and view exactly the memberships its row allows`, async () => {
    const observed: Record<string, Record<string, Outcome>> = {}
    const wanted: Record<string, Record<string, Outcome>> = {}
    for (const op of operations) {
      observed[op] = {}
      wanted[op] = Object.fromEntries(Object.keys(targets).map((name, i) => [name, row[op][i]!]))
      for (const [name, target] of Object.entries(targets)) observed[op][name] = await attempt[op](tokens[caller]!, target)
    }
    assert.deepEqual(observed, wanted)
  })
}

test('project permissions: an unknown project is a ForbiddenError for members and non-members, PROJECT_NOT_FOUND for root and global project admins', async () => {
  const id = await identity()
  const unknown = `pp-unknown-${randomBytes(4).toString('hex')}`
  const calls = [
    { op: 'add', query: ADD, m: [m('viewer', 'de')] },
    { op: 'update', query: UPDATE, m: [m('viewer', 'de')] },
    { op: 'remove', query: REMOVE, m: undefined },
  ] as const
  for (const caller of ['non-member', 'chief [cs, en]', 'editor [cs]', 'admin member', 'project_admin key', 'root']) {
    for (const c of calls) {
      const { body } = await server.gql(c.query, { token: tokens[caller], variables: { slug: unknown, id, m: c.m } })
      const field = `${c.op}ProjectMember`
      if (caller === 'root' || caller === 'project_admin key') {
        assert.equal(body.errors, undefined, JSON.stringify(body))
        assert.deepEqual(body.data[field], { ok: false, error: { code: 'PROJECT_NOT_FOUND' } }, `${caller} ${c.op}`)
      } else {
        assert.equal(body.errors?.[0]?.extensions?.code, 'ForbiddenError', `${caller} ${c.op}: ${JSON.stringify(body)}`)
        assert.equal(body.errors[0].message, refusals[c.op])
        assert.equal(body.data[field], null)
      }
    }
  }
})

test('project permissions: members as a chief [cs] sees them lists only the memberships it may view, and only members with one', async () => {
  const ids = {
    mixed: await identity(m('editor', 'cs', 'de'), m('viewer', 'de')),
    admin: await identity(m('admin')),
    chief: await identity(m('chief', 'cs')),
    editor: await identity(m('editor', 'cs'), m('moderator')),
    auditor: await identity(m('auditor')),
  }
  const list = async (token: string) => {
    const r = await payload(server, MEMBERS, { slug, ids: Object.values(ids) }, token)
    return Object.fromEntries(r.members.map((x: { identity: { id: string }; memberships: Membership[] }) => [x.identity.id, x.memberships]))
  }
  assert.deepEqual(await list(tokens['chief [cs]']!), {
    [ids.mixed]: [m('viewer', 'de')],
    [ids.chief]: [m('chief', 'cs')],
    [ids.editor]: [m('editor', 'cs')],
  })
  assert.deepEqual(await list(server.rootToken), {
    [ids.mixed]: [m('editor', 'cs', 'de'), m('viewer', 'de')],
    [ids.admin]: [m('admin')],
    [ids.chief]: [m('chief', 'cs')],
    [ids.editor]: [m('editor', 'cs'), m('moderator')],
    [ids.auditor]: [m('auditor')],
  })
})

test('project permissions: Identity.projects of another person, seen by a chief [cs], holds only the memberships it may view', async () => {
  const other = await createProject()
  const id = await identity(m('editor', 'cs', 'de'), m('viewer', 'de'))
  assert.equal((await payload(server, ADD, { slug: other, id, m: [m('editor', 'cs')] })).ok, true)
  const QUERY = `query($slug: String!, $ids: [String!]) { projectBySlug(slug: $slug) {
    members(input: { filter: { identityId: $ids } }) { identity { projects { project { slug } memberships { ${MS} } } } } } }`
  const projectsOf = async (token: string) => (await payload(server, QUERY, { slug, ids: [id] }, token)).members[0].identity.projects
  assert.deepEqual(await projectsOf(tokens['chief [cs]']!), [{ project: { slug }, memberships: [m('viewer', 'de')] }])
  const all = [
    { project: { slug }, memberships: [m('editor', 'cs', 'de'), m('viewer', 'de')] },
    { project: { slug: other }, memberships: [m('editor', 'cs')] },
  ].sort((a, b) => a.project.slug.localeCompare(b.project.slug))
  assert.deepEqual(await projectsOf(server.rootToken), all)
})

test('project permissions: updateProjectMember also needs the right to manage the membership it replaces, and only that one', async () => {
  const wide = await identity(m('editor', 'cs', 'de'))
  const before = await membershipsOf(wide)
  const r = await server.gql(UPDATE, { token: tokens['chief [cs]'], variables: { slug, id: wide, m: [m('editor', 'cs')] } })
  assert.deepEqual(r.body.data?.updateProjectMember, { ok: false, error: { code: 'NOT_MEMBER' } }, 'editor [cs, de] is no member the chief can see')
  assert.deepEqual(await membershipsOf(wide), before)
  const mixed = await identity(m('editor', 'cs', 'de'), m('viewer', 'de'))
  const seen = await server.gql(UPDATE, { token: tokens['chief [cs]'], variables: { slug, id: mixed, m: [m('editor', 'cs')] } })
  assert.equal(seen.body.errors?.[0]?.extensions?.code, 'ForbiddenError', 'editor [cs, de] is not the chief\'s to replace')
  // The roles not named stay, and the caller needs no right to manage them, only to see the member.
  const admin = await identity(m('admin'), m('viewer', 'en'))
  assert.equal((await payload(server, UPDATE, { slug, id: admin, m: [m('viewer', 'de')] }, tokens['moderator'])).ok, true)
  assert.deepEqual(await membershipsOf(admin), [m('admin'), m('viewer', 'de')])
  // A member it cannot see at all is no member to it, not even to learn that it is one.
  const hiddenAdmin = await identity(m('admin'))
  const hidden = await payload(server, UPDATE, { slug, id: hiddenAdmin, m: [m('viewer', 'de')] }, tokens['moderator'])
  assert.deepEqual(hidden, { ok: false, error: { code: 'NOT_MEMBER' } })
  assert.deepEqual(await membershipsOf(hiddenAdmin), [m('admin')])
})

test('project permissions: a member with no manage rule is refused even with no memberships or for a non-member', async () => {
  const outsider = await identity()
  const member = await identity(m('viewer', 'de'))
  const calls = [
    { op: 'add', query: ADD, id: outsider, m: [] },
    { op: 'add', query: ADD, id: member, m: [] },
    { op: 'add', query: ADD, id: '00000000-0000-0000-0000-000000000000', m: [] },
    { op: 'update', query: UPDATE, id: member, m: [] },
    { op: 'update', query: UPDATE, id: outsider, m: [] },
    { op: 'remove', query: REMOVE, id: outsider, m: undefined },
  ] as const
  for (const c of calls) {
    const { body } = await server.gql(c.query, { token: tokens['editor [cs]'], variables: { slug, id: c.id, m: c.m } })
    assert.equal(body.errors?.[0]?.extensions?.code, 'ForbiddenError', `${c.op}: ${JSON.stringify(body)}`)
    assert.equal(body.errors[0].message, refusals[c.op])
  }
})
