import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { backend } from '../helpers/db.js'
import { graphiqlAssets } from '../../src/http/graphiql.js'
import { startServer } from '../helpers/server.js'

// Independent of the database: run once, on the PGlite pass.
const skip = backend === 'postgres'
import { fileURLToPath } from 'node:url'

// The package as users get it: packed, installed into an empty project without development
// tools, its CLI run and its client imported. Built in a copy, so the working tree's dist/ (and
// the tests running beside this one) are left alone.

const root = fileURLToPath(new URL('../..', import.meta.url))
// npm serves from this machine's cache first (--prefer-offline where it installs) and does not
// ask the registry whether npm itself is outdated.
const npm = (args: string[], cwd: string) => execFileSync('npm', args, {
  cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 150_000, env: { ...process.env, npm_config_update_notifier: 'false' },
})

test('package: npm pack, install --omit=dev into an empty project, run --version, import the client, serve GraphiQL', { timeout: 170_000, skip }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tenant-api-pack-'))
  const pkg = join(work, 'pkg')
  for (const entry of ['package.json', 'bin', 'src', 'packages', 'scripts', 'LICENSE', 'README.md', 'SECURITY.md', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(root, entry), join(pkg, entry), { recursive: true, filter: (path) => !/[/\\](dist|node_modules)$/.test(path) })
  }
  // The build needs the compiler and Node's types; the packed package does not.
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir')
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: pkg })
  npm(['pack', '--ignore-scripts', '--pack-destination', work], pkg)
  const tarball = readdirSync(work).find((f) => f.startsWith('tenant-api-') && f.endsWith('.tgz'))!
  const listing = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' })
  for (const wanted of ['package/dist/main.js', 'package/packages/client/dist/index.js', 'package/packages/client/dist/index.d.ts', 'package/bin/tenant-api.js', 'package/LICENSE', 'package/src/db/migrations/001_init.sql',
    'package/dist/graphiql/graphiql.min.js', 'package/dist/graphiql/react.production.min.js', 'package/dist/graphiql/licences/graphiql.txt']) {
    assert.ok(listing.includes(wanted), `${wanted} is packed`)
  }
  for (const unwanted of ['package/test/', 'package/.ci/', 'package/bench/', 'package/scripts/', 'package/src/model/', 'package/packages/client/src/']) {
    assert.ok(!listing.includes(unwanted), `${unwanted} is not packed`)
  }

  const app = join(work, 'app')
  cpSync(join(work, tarball), join(app, tarball))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  npm(['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`], app)
  const version = execFileSync(join(app, 'node_modules/.bin/tenant-api'), ['--version'], { encoding: 'utf8' }).trim()
  assert.equal(version, JSON.parse(execFileSync('cat', [join(root, 'package.json')], { encoding: 'utf8' })).version)
  const client = execFileSync(process.execPath, ['--input-type=module', '-e',
    "const c = await import('tenant-api/client'); console.log(typeof c.createTenantClient, typeof c.bearerToken)"], { cwd: app, encoding: 'utf8' })
  assert.equal(client.trim(), 'function function')

  // The installed server serves GraphiQL from the package alone: graphiql and react are not installed.
  assert.equal(existsSync(join(app, 'node_modules/graphiql')), false)
  const server = spawn(join(app, 'node_modules/.bin/tenant-api'), ['serve'], {
    cwd: app, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', DATA_DIR: join(work, 'data'), DATABASE_URL: '' },
  })
  const exited = new Promise((resolve) => server.on('exit', resolve))
  try {
    let out = ''
    server.stdout.on('data', (d) => { out += d })
    server.stderr.on('data', (d) => { out += d })
    const deadline = Date.now() + 30_000
    let match: RegExpExecArray | null = null
    while (!(match = /tenant-api on http:\/\/127\.0\.0\.1:(\d+)\/tenant/.exec(out)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    assert.ok(match, `the installed server did not start:\n${out}`)
    for (const asset of graphiqlAssets) {
      const res: Response = await fetch(`http://127.0.0.1:${match[1]}/graphiql/assets/${asset.name}`)
      assert.equal(res.status, 200, asset.name)
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(root, 'node_modules', asset.source))), asset.name)
    }
  } finally {
    server.kill('SIGTERM')
    assert.equal(await exited, 0)
  }
})

test('package: @tenant-api/client packs alone, installs with no dependencies, in kilobytes, and verifies a token', { timeout: 120_000, skip }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tenant-api-client-pack-'))
  const pkg = join(work, 'packages/client')  // its tsconfig extends ../../tsconfig.json
  cpSync(join(root, 'packages/client'), pkg, { recursive: true, filter: (path) => !/[/\\](dist|node_modules)$/.test(path) })
  cpSync(join(root, 'tsconfig.json'), join(work, 'tsconfig.json'))
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir')
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: pkg })
  npm(['pack', '--ignore-scripts', '--pack-destination', work], pkg)
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!
  assert.match(tarball, /^tenant-api-client-\d/)
  assert.ok(statSync(join(work, tarball)).size < 20_000, `${tarball} is small (${statSync(join(work, tarball)).size} bytes)`)
  const listing = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' }).trim().split('\n').sort()
  assert.deepEqual(listing, ['package/LICENSE', 'package/README.md', 'package/dist/index.d.ts', 'package/dist/index.js', 'package/package.json'])

  const app = join(work, 'service')
  cpSync(join(work, tarball), join(app, tarball))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'service', private: true, type: 'module' }))
  npm(['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`], app)
  assert.deepEqual(readdirSync(join(app, 'node_modules')).filter((f) => !f.startsWith('.')), ['@tenant-api'], 'nothing else is installed')

  // Imported as a service would, against a real server: the root token may introspect.
  const server = await startServer()
  try {
    const script = `const { createTenantClient } = await import('@tenant-api/client')
      const client = createTenantClient({ url: process.env.URL, token: process.env.TOKEN, cacheTtlMs: 0 })
      const [me, nobody] = await Promise.all([client.verifyToken(process.env.TOKEN), client.verifyToken('0'.repeat(40))])
      console.log(JSON.stringify({ me: me.active && me.roles, nobody }))`
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app, env: { ...process.env, URL: server.url, TOKEN: server.rootToken },
    })
    assert.deepEqual(JSON.parse(stdout), { me: ['super_admin'], nobody: { active: false } })
  } finally {
    await server.close()
  }
})
