#!/usr/bin/env node
// `npm test`: type-check everything, then run the whole suite with node's test runner against
// PGlite, and once more against PostgreSQL when TEST_DATABASE_URL is set. Exits non-zero when
// anything fails, and ends with one plain "N passed, N failed" line over all runs.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const only = process.argv.slice(2)

const findTests = (dir) => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name)
  if (statSync(path).isDirectory()) return findTests(path)
  return name.endsWith('.test.ts') ? [relative(root, path)] : []
})

// Output is passed on as it comes (progress, file by file) and kept to count the results.
const run = (command, args, env = {}) => new Promise((resolve) => {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    out += chunk
    process.stdout.write(chunk)
  })
  child.on('close', (code) => resolve({ code: code ?? 1, out }))
})

console.log('type-check: tsc --noEmit')
const tsc = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'])
if (tsc.code !== 0) {
  console.log('0 passed, 1 failed')
  process.exit(1)
}

const files = only.length ? only : findTests(join(root, 'test')).sort()
// Files that measure time (`timing` in the name) run after the rest, one at a time: beside
// other test processes on a small machine their medians move by more than they compare.
const timing = files.filter((file) => file.includes('timing'))
// The rest run several files at once: three on PGlite, whose files mostly wait on child processes
// (npm, the CLI) or each use one core of their own; two on PostgreSQL, whose server shares the
// cores and whose two-node tests time notifications between processes. TEST_CONCURRENCY sets both.
const groupsOf = (concurrency) =>
  [[files.filter((file) => !timing.includes(file)), process.env.TEST_CONCURRENCY ?? concurrency], [timing, 1]].filter(([group]) => group.length > 0)
const backends = [['pglite', {}, groupsOf(3)]]
if (process.env.TEST_DATABASE_URL) backends.push(['postgres', { TEST_DATABASE_URL: process.env.TEST_DATABASE_URL }, groupsOf(2)])

let passed = 0
let failed = 0
let exit = 0
for (const [name, env, groups] of backends) {
  console.log(`\n=== tests on ${name} (${files.length} files) ===`)
  for (const [group, concurrency] of groups) {
    const result = await run(process.execPath, [
      '--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`,
      '--test-timeout=180000', ...group,
    ], { ...env, TENANT_TEST_BACKEND: name })
    passed += Number(/ℹ pass (\d+)/.exec(result.out)?.[1] ?? 0)
    failed += Number(/ℹ fail (\d+)/.exec(result.out)?.[1] ?? 0)
    if (result.code !== 0) exit = 1
  }
}
if (exit !== 0 && failed === 0) failed = 1
console.log(`\n${passed} passed, ${failed} failed`)
process.exit(exit)
