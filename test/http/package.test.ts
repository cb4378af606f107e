import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { backend } from '../helpers/db.js'
import { graphiqlAssets } from '../../src/http/graphiql.js'

// Independent of the database: run once, on the PGlite pass.
const skip = backend === 'postgres'
import { fileURLToPath } from 'node:url'

// The package as users get it: packed, installed into an empty project without development
// tools, its CLI run and its client imported. Built in a copy, so the working tree's dist/ (and
// the tests running beside this one) are left alone.

const root = fileURLToPath(new URL('../..', import.meta.url))
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 150_000 })

test('package: npm pack, install --omit=dev into an empty project, run --version, import the client, serve GraphiQL', { timeout: 170_000, skip }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tenant-api-pack-'))
  const pkg = join(work, 'pkg')
  for (const entry of ['package.json', 'bin', 'src', 'scripts', 'LICENSE', 'README.md', 'SECURITY.md', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(root, entry), join(pkg, entry), { recursive: true })
  }
  // The build needs the compiler and Node's types; the packed package does not.
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir')
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: pkg })
  npm(['pack', '--ignore-scripts', '--pack-destination', work], pkg)
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!
  const listing = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' })
  for (const wanted of ['package/dist/main.js', 'package/dist/client/index.js', 'package/bin/tenant-api.js', 'package/LICENSE', 'package/src/db/migrations/001_init.sql',
    'package/dist/graphiql/graphiql.min.js', 'package/dist/graphiql/react.production.min.js', 'package/dist/graphiql/licences/graphiql.txt']) {
    assert.ok(listing.includes(wanted), `${wanted} is packed`)
  }
  for (const unwanted of ['package/test/', 'package/.ci/', 'package/bench/', 'package/scripts/', 'package/src/model/']) {
    assert.ok(!listing.includes(unwanted), `${unwanted} is not packed`)
  }

  const app = join(work, 'app')
  cpSync(join(work, tarball), join(app, tarball))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  npm(['install', '--omit=dev', '--no-audit', '--no-fund', `./${tarball}`], app)
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
