import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'

// SECURITY.md names, for each defence, the test file and the test that shows it: every file it
// names exists, and every test name it quotes (up to its "…") is the start of a test there.

const root = new URL('../../', import.meta.url)
const doc = readFileSync(new URL('SECURITY.md', root), 'utf8')

test('SECURITY.md: every test file it names exists, and every test it quotes is in that file', () => {
  const rows = doc.split('\n').filter((line) => line.includes('.test.ts'))
  let files = 0
  let names = 0
  for (const row of rows) {
    // `file.test.ts`: "name…", "name…"; `other.test.ts`
    for (const part of row.split(/(?=`[\w/.-]+\.test\.ts`)/)) {
      const file = /^`([\w/.-]+\.test\.ts)`/.exec(part)?.[1]
      if (!file) continue
      const path = ['test/http/', 'test/unit/', ''].map((dir) => new URL(`${file.startsWith('test/') ? '' : dir}${file}`, root)).find((url) => existsSync(url))
      assert.ok(path, `SECURITY.md names ${file}, which does not exist`)
      files++
      const source = readFileSync(path, 'utf8').replace(/\\'/g, "'")
      for (const [, quoted] of part.matchAll(/"([^"]+)"/g)) {
        const prefix = quoted!.replace(/\s*(…|\.\.\.)$/, '')
        assert.ok(source.includes(`test('${prefix}`) || source.includes(`test(\`${prefix}`) || source.includes(`'${prefix}`),
          `SECURITY.md quotes "${quoted}" in ${file}, which has no such test`)
        names++
      }
    }
  }
  assert.ok(files > 20 && names > 10, `${files} files and ${names} test names checked`)
})
