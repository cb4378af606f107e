import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildSchema, getIntrospectionQuery, parse } from 'graphql'
import { loadSchema } from '../../src/http/server.js'
import { checkDocument, defaultRequestLimits, LimitExceeded, type RequestLimits } from '../../src/graphql/limits.js'

// What one request may cost, decided from the document before anything runs. Each case is a
// document and the limit it must break (null: it passes under the defaults).

const schema = buildSchema(await loadSchema())
const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')
const signIn = (alias: string) => `${alias}: signIn(email: "a@b.cz", password: "x") { ok }`

const cases: { name: string; query: string; breaks: RegExp | null; limits?: Partial<RequestLimits> }[] = [
  { name: 'me', query: '{ me { id roles } }', breaks: null },
  { name: 'the standard introspection query GraphiQL sends', query: getIntrospectionQuery(), breaks: null },
  {
    name: 'every project with its members, memberships and variables (an admin screen)',
    query: '{ projects { slug members { identity { id person { email } } memberships { role variables { name values } } } } }',
    breaks: null,
  },
  { name: '100 aliases', query: `{ ${aliases(100, '__typename')} }`, breaks: null },
  { name: '101 aliases', query: `{ ${aliases(101, '__typename')} }`, breaks: /more than 100 aliases/ },
  { name: 'aliases inside fragments count too', query: `{ ...F } fragment F on Query { ${aliases(101, '__typename')} }`, breaks: /aliases/ },
  { name: 'one __schema', query: '{ __schema { queryType { name } } }', breaks: null },
  { name: 'two __schema', query: '{ a: __schema { queryType { name } } b: __schema { queryType { name } } }', breaks: /__schema at most 1/ },
  { name: 'one signIn', query: `mutation { ${signIn('x')} }`, breaks: null },
  { name: 'two aliased signIns', query: `mutation { ${signIn('x')} ${signIn('y')} }`, breaks: /at most 1 password/ },
  { name: 'signIn and changeMyPassword', query: `mutation { ${signIn('x')} changeMyPassword(currentPassword: "a", newPassword: "b") { ok } }`, breaks: /password/ },
  { name: 'signIn twice under one response key (GraphQL runs it once)', query: `mutation { ${signIn('x')} ...F } fragment F on Mutation { ${signIn('x')} }`, breaks: null },
  {
    name: 'signIns multiplied through fragments',
    query: `mutation { ...A } fragment A on Mutation { ${signIn('x')} ...B } fragment B on Mutation { ${signIn('y')} }`,
    breaks: /password/,
  },
  { name: 'more fields than allowed', query: `{ ${Array.from({ length: 30 }, () => 'me { id }').join(' ')} }`, breaks: /more than 20 fields/, limits: { maxFields: 20 } },
  {
    name: 'fragments that double at every level stop at the field limit',
    query: `{ ...F0 } ${Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { me { id } ${i < 29 ? `...F${i + 1} ...F${i + 1}` : ''} }`).join(' ')}`,
    breaks: /fields/,
  },
  {
    name: 'members of members of members',
    query: '{ projects { members { identity { projects { project { members { identity { projects { memberships { variables { values } } } } } } } } } } }',
    breaks: /too costly/,
  },
  { name: 'a cyclic fragment does not loop (graphql-js reports the cycle)', query: '{ ...A } fragment A on Query { me { id } ...A }', breaks: null },
]

for (const c of cases) {
  test(`request limits: ${c.name} ${c.breaks ? `breaks ${c.breaks}` : 'passes'}`, () => {
    const run = () => checkDocument(schema, parse(c.query, { maxTokens: 100_000 }), { ...defaultRequestLimits, ...c.limits })
    if (c.breaks === null) assert.doesNotThrow(run)
    else assert.throws(run, (error: unknown) => error instanceof LimitExceeded && c.breaks!.test(error.message))
  })
}
