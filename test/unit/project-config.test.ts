import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deepMerge } from '../../src/model/projects/updateProject.js'
import { isValidSlug } from '../../src/model/projects/slug.js'

// updateProject with mergeConfig: objects merge key by key, recursively; arrays are
// concatenated (as the reference); anything else, null included, is replaced by the patch.
const mergeCases: { name: string; base: unknown; patch: unknown; merged: unknown }[] = [
  { name: 'objects merge recursively', base: { a: { b: 1, c: 2 } }, patch: { a: { c: 3, d: 4 } }, merged: { a: { b: 1, c: 3, d: 4 } } },
  {
    name: 'objects merge at every depth',
    base: { acl: { roles: { editor: { variables: { language: { type: 'entity', entityName: 'Language' } } } } } },
    patch: { acl: { roles: { editor: { tenant: { view: { editor: true } } }, chief: {} } } },
    merged: {
      acl: {
        roles: {
          editor: { variables: { language: { type: 'entity', entityName: 'Language' } }, tenant: { view: { editor: true } } },
          chief: {},
        },
      },
    },
  },
  { name: 'arrays are concatenated', base: { list: [1, 2] }, patch: { list: [3] }, merged: { list: [1, 2, 3] } },
  { name: 'top-level arrays are concatenated', base: ['a'], patch: ['b', 'a'], merged: ['a', 'b', 'a'] },
  { name: 'an empty array adds nothing', base: { list: [1] }, patch: { list: [] }, merged: { list: [1] } },
  { name: 'a scalar replaces a scalar', base: { a: 1, b: 'x' }, patch: { a: 2 }, merged: { a: 2, b: 'x' } },
  { name: 'a scalar of another type replaces', base: { a: 'one' }, patch: { a: false }, merged: { a: false } },
  { name: 'a scalar replaces an object', base: { a: { b: 1 } }, patch: { a: 5 }, merged: { a: 5 } },
  { name: 'an object replaces a scalar', base: { a: 5 }, patch: { a: { b: 1 } }, merged: { a: { b: 1 } } },
  { name: 'an object replaces an array', base: { a: [1] }, patch: { a: { b: 1 } }, merged: { a: { b: 1 } } },
  { name: 'an array replaces an object', base: { a: { b: 1 } }, patch: { a: [1] }, merged: { a: [1] } },
  { name: 'null replaces an object', base: { a: { b: 1 }, c: 1 }, patch: { a: null }, merged: { a: null, c: 1 } },
  { name: 'null replaces an array', base: { a: [1] }, patch: { a: null }, merged: { a: null } },
  { name: 'an object replaces null', base: { a: null }, patch: { a: { b: 1 } }, merged: { a: { b: 1 } } },
  { name: 'a patch onto a null base is the patch', base: null, patch: { a: 1 }, merged: { a: 1 } },
  { name: 'keys only in the patch are added', base: { a: 1 }, patch: { b: { c: 2 } }, merged: { a: 1, b: { c: 2 } } },
  { name: 'keys only in the base are kept', base: { a: 1, b: { c: 2 } }, patch: {}, merged: { a: 1, b: { c: 2 } } },
  { name: 'an empty base takes the patch', base: {}, patch: { a: [1], b: { c: null } }, merged: { a: [1], b: { c: null } } },
]

test('deepMerge: a key named "__proto__" stays a key and sets no prototype', () => {
  const merged = deepMerge({ a: 1 }, JSON.parse('{"__proto__":{"polluted":1}}')) as Record<string, unknown>
  assert.deepEqual(Object.keys(merged), ['a', '__proto__'])
  assert.equal(Object.getPrototypeOf(merged), Object.prototype)
  assert.equal((merged as { polluted?: unknown }).polluted, undefined)
})
for (const c of mergeCases) {
  test(`deepMerge: ${c.name}`, () => {
    const base = structuredClone(c.base)
    const patch = structuredClone(c.patch)
    assert.deepEqual(deepMerge(base, patch), c.merged)
    // Neither input is changed: the stored config stays as read until the new one is written.
    assert.deepEqual(base, c.base, 'base was mutated')
    assert.deepEqual(patch, c.patch, 'patch was mutated')
  })
}

test('deepMerge: the result is a new object, also where nested objects were merged', () => {
  const base = { a: { b: 1 }, list: [1] }
  const merged = deepMerge(base, { a: { c: 2 }, list: [2] }) as typeof base
  assert.notEqual(merged, base)
  assert.notEqual(merged.a, base.a)
  assert.notEqual(merged.list, base.list)
})

// Slugs: letters, digits, "_" and "-", 1 to 255 characters: what real Contember projects use
// (the reference has no rule; its own suites make test_<random> projects), and all safe in a
// URL path segment.
const slugCases: { slug: string; valid: boolean; why: string }[] = [
  { slug: 'blog', valid: true, why: 'letters' },
  { slug: 'my-blog-2', valid: true, why: 'dashes between words, digits' },
  { slug: 'my_blog', valid: true, why: 'underscore' },
  { slug: 'test_x1y2', valid: true, why: 'a Contember suite\'s slug' },
  { slug: 'Blog', valid: true, why: 'upper case' },
  { slug: '-blog', valid: true, why: 'leading dash' },
  { slug: 'my--blog_', valid: true, why: 'double dash, trailing underscore' },
  { slug: 'a', valid: true, why: 'one character' },
  { slug: '2024', valid: true, why: 'digits only' },
  { slug: 'a'.repeat(255), valid: true, why: '255 characters' },
  { slug: '', valid: false, why: 'empty' },
  { slug: 'my blog', valid: false, why: 'space' },
  { slug: 'blog.cz', valid: false, why: 'dot' },
  { slug: '..', valid: false, why: 'dots (a path step up)' },
  { slug: 'blog/x', valid: false, why: 'slash' },
  { slug: 'blog%2f', valid: false, why: 'percent' },
  { slug: 'blóg', valid: false, why: 'non-ASCII letter' },
  { slug: 'blog\n', valid: false, why: 'trailing newline' },
  { slug: 'a'.repeat(256), valid: false, why: '256 characters' },
]
for (const c of slugCases)
  test(`isValidSlug: ${c.why} (${JSON.stringify(c.slug.length > 20 ? `${c.slug.slice(0, 12)}…` : c.slug)}) is ${c.valid ? 'valid' : 'invalid'}`, () =>
    assert.equal(isValidSlug(c.slug), c.valid))
