#!/usr/bin/env node
// The reference point of the load figures: a bare node:http server that reads the request and
// answers one constant JSON body, about the size of tenant-api's answer to `{ me { id roles } }`.
// Whatever tenant-api reaches is compared with this, measured in the same run on the same machine.
//
// usage: node bench/bare.mjs <port>   (listens on 127.0.0.1 only)
// Started by bench/suite.mjs with an IPC channel: it reports "ready" there and exits when the
// channel closes, so it never outlives the suite.
import { createServer } from 'node:http'

const BARE_BODY = '{"data":{"me":{"id":"00000000-0000-4000-8000-000000000000","roles":[]}}}'

const port = Number(process.argv[2] ?? process.env.PORT ?? 4100)
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(BARE_BODY)) }

const server = createServer((req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    res.writeHead(200, headers)
    res.end(BARE_BODY)
  })
})

server.listen(port, '127.0.0.1', () => {
  if (process.send) process.send('ready')
  else process.stdout.write(`bare server on http://127.0.0.1:${port}/\n`)
})

process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
