#!/usr/bin/env node
// A second reference point: the framework tenant-api is built on (Fastify and Mercurius with
// its JIT, as src/http/server.ts configures them) answering `{ me { id roles } }` from a
// one-type schema with a constant resolver, and nothing else: no token check, no security
// headers, no log, no metrics, no database. Its ratio to the bare node:http server is the most
// any server on this stack can reach on the machine; tenant-api's figures read against both.
//
// usage: node bench/framework.mjs <port>   (listens on 127.0.0.1 only)
// Started by bench/suite.mjs with an IPC channel, as bench/bare.mjs.
import Fastify from 'fastify'
import mercurius from 'mercurius'

const port = Number(process.argv[2] ?? process.env.PORT ?? 4101)
const me = { id: '00000000-0000-4000-8000-000000000000', roles: [] }

const server = Fastify({ logger: false })
await server.register(mercurius, {
  schema: 'type Query { me: Identity } type Identity { id: String! roles: [String!]! }',
  resolvers: { Query: { me: () => me } },
  path: '/tenant',
  jit: 1,
  cache: 256,
})
await server.listen({ port, host: '127.0.0.1' })
if (process.send) process.send('ready')
else process.stdout.write(`framework reference on http://127.0.0.1:${port}/tenant\n`)

process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
