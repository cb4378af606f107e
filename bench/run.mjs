#!/usr/bin/env node
// Load figures for the hot paths, measured with autocannon against a running tenant-api.
//
// usage: node bench/run.mjs [--url http://127.0.0.1:4000] [--duration 10] [--connections 64]
// env:   ROOT_TOKEN (the server's CONTEMBER_ROOT_TOKEN) is required; the script makes its own
//        introspector key and application key through the API, then measures:
//          1. POST /tenant { me { id } } with the application key (auth + GraphQL)
//          2. POST /introspect for the application key (what a content API calls per request)
//        Only loopback addresses are accepted; each run stops by itself after --duration.
import autocannon from 'autocannon'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const url = arg('url', 'http://127.0.0.1:4000')
const duration = Number(arg('duration', '10'))
const connections = Number(arg('connections', '64'))
const root = process.env.ROOT_TOKEN
if (!root) throw new Error('set ROOT_TOKEN to the server\'s root token')
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) throw new Error('benchmarks only run against loopback')

async function gql(token, query) {
  const res = await fetch(`${url}/tenant`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query }) })
  const body = await res.json()
  if (body.errors) throw new Error(JSON.stringify(body.errors))
  return body.data
}

const key = async (roles) =>
  (await gql(root, `mutation { createGlobalApiKey(description: "bench", roles: ${JSON.stringify(roles)}) { result { apiKey { token } } } }`)).createGlobalApiKey.result.apiKey.token
const introspector = await key(['introspector'])
const app = await key(['login'])

const run = (title, { path, ...options }) => new Promise((resolve, reject) => {
  autocannon({ url: `${url}${path}`, duration, connections, method: 'POST', ...options }, (error, result) => {
    if (error) return reject(error)
    const line = `| ${title} | ${connections} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${result.non2xx + result.errors} |`
    resolve(line)
  })
})

const lines = [
  '| path | connections | requests/s (avg) | latency p50 ms | latency p99 ms | errors + non-2xx |',
  '| --- | --- | --- | --- | --- | --- |',
  await run('POST /tenant `{ me { id } }`', {
    path: '/tenant', headers: { authorization: `Bearer ${app}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { id } }' }),
  }),
  await run('POST /introspect', {
    path: '/introspect', headers: { authorization: `Bearer ${introspector}`, 'content-type': 'application/json' }, body: JSON.stringify({ token: app }),
  }),
]
console.log(lines.join('\n'))
