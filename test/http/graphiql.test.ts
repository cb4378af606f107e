import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { copyGraphiqlAssets, graphiqlAssets } from '../../src/http/graphiql.js'
import { startServer } from '../helpers/server.js'

// GraphiQL must work in a closed network: the page and everything it loads come from this server.

const server = await startServer()
const root = fileURLToPath(new URL('../..', import.meta.url))

const referenced = (html: string) => [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)

test('graphiql: the page loads, and every script and stylesheet it references answers 200 from this server', async () => {
  const res = await server.fetch('/graphiql')
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
  const urls = referenced(await res.text())
  assert.equal(urls.length, 6, urls.join(' '))
  for (const url of urls) {
    assert.match(url, /^\/graphiql\/assets\/[\w.-]+$/, `${url} is a path on this server, not another host`)
    const asset = await server.fetch(url)
    assert.equal(asset.status, 200, url)
    assert.match(asset.headers.get('content-type') ?? '', url.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, url)
    assert.ok((await asset.arrayBuffer()).byteLength > 0, url)
  }
})

test('graphiql: the bundles served are the installed packages\' files, byte for byte', async () => {
  for (const asset of graphiqlAssets) {
    const res = await server.fetch(`/graphiql/assets/${asset.name}`)
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(root, 'node_modules', asset.source))), asset.name)
  }
})

test('graphiql: the start script talks to /tenant on the same origin and keeps no headers in storage', async () => {
  const script = await (await server.fetch('/graphiql/assets/start.js')).text()
  assert.match(script, /new URL\('\/tenant', location\.href\)/)
  assert.match(script, /shouldPersistHeaders: false/)
  assert.doesNotMatch(script, /https?:\/\//)
})

for (const path of ['/graphiql/assets/nope.js', '/graphiql/assets/..%2F..%2Fpackage.json', '/graphiql/assets/%2e%2e%2fpackage.json', '/graphiql/assets/LICENSE']) {
  test(`graphiql: ${path} is 404 (only the listed assets are served)`, async () => {
    const res = await server.fetch(path)
    assert.equal(res.status, 404)
    assert.doesNotMatch(await res.text(), /"name"\s*:\s*"tenant-api"/)
  })
}

test('graphiql: a browser opening /tenant is sent to the page; with GRAPHIQL=false there is no page and it gets 401', async () => {
  const html = { accept: 'text/html' }
  const on = await server.fetch('/tenant', { headers: html, redirect: 'manual' })
  assert.equal(on.status, 302)
  assert.equal(on.headers.get('location'), '/graphiql')

  const off = await startServer({ env: { GRAPHIQL: 'false' } })
  try {
    assert.equal((await off.fetch('/graphiql')).status, 404)
    assert.equal((await off.fetch('/graphiql/assets/graphiql.min.js')).status, 404)
    assert.equal((await off.fetch('/tenant', { headers: html, redirect: 'manual' })).status, 401)
  } finally {
    await off.close()
  }
})

test('graphiql: the build copies the bundles and their licences into one folder', async () => {
  const target = mkdtempSync(join(tmpdir(), 'tenant-api-graphiql-'))
  await copyGraphiqlAssets(target)
  for (const asset of graphiqlAssets) {
    assert.ok(readFileSync(join(target, asset.name)).equals(readFileSync(join(root, 'node_modules', asset.source))), asset.name)
  }
  for (const licence of ['react', 'react-dom', 'graphiql']) assert.match(readFileSync(join(target, 'licences', `${licence}.txt`), 'utf8'), /MIT License/)
})

// A real browser, when the machine has one (Debian's chromium): the page must render GraphiQL
// itself, which proves the scripts run under the page's content security policy.
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path))
test('graphiql: headless Chromium renders the GraphiQL editor from this server alone', { skip: chromium ? false : 'no chromium on this machine' }, async () => {
  const profile = mkdtempSync(join(tmpdir(), 'tenant-api-chromium-'))
  // Asynchronous: the server answering the browser runs in this process.
  const run = await promisify(execFile)(chromium!, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=5000',
    '--dump-dom', `${server.url}/graphiql`,
  ], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 })
  assert.match(run.stdout, /class="graphiql-container"/, `GraphiQL did not render:\n${run.stdout.slice(0, 2000)}\n${run.stderr.slice(0, 2000)}`)
  assert.doesNotMatch(run.stdout, /could not load its scripts/)
})

test.after(() => server.close())
