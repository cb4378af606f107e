import assert from 'node:assert/strict'
import { hostname } from 'node:os'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { createLogger, lazyChildLogger, type AccessEntry } from '../../src/http/logging.js'

// The access line is formatted by hand (logging.ts): it must read as pino's own lines do, and
// stay valid JSON whatever a caller puts in the parts it controls (the path).

function sink() {
  const out = { text: '', stream: new Writable({ write(chunk, _encoding, done) { out.text += chunk; done() } }) }
  return out
}
const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

const entry: AccessEntry = { reqId: 'r-1', method: 'POST', route: '/tenant', path: '/tenant', status: 200, ms: 1.5, identity: '8a8f0f8e-3a9d-4c47-9f5e-0d3b0c2b4a11' }

test('access line: pino\'s base fields, then the entry, then msg "request"', async () => {
  const out = sink()
  const { logger, access } = createLogger({ level: 'info', format: 'json', stream: out.stream })
  logger.info('from pino')
  access(entry)
  await nextTurn()
  const [fromPino, line] = lines(out.text)
  assert.deepEqual(Object.keys(line!), ['level', 'time', 'pid', 'hostname', 'reqId', 'method', 'route', 'path', 'status', 'ms', 'identity', 'msg'])
  for (const field of ['level', 'pid', 'hostname'] as const) assert.equal(line![field], fromPino![field], field)
  assert.equal(line!.hostname, hostname())
  assert.ok(Math.abs((line!.time as number) - (fromPino!.time as number)) < 1_000)
  const { level: _level, time: _time, pid: _pid, hostname: _host, msg, ...rest } = line!
  assert.deepEqual(rest, { ...entry })
  assert.equal(msg, 'request')
})

test('access line: stays one valid JSON line for any path, route or id', async () => {
  const cases: Partial<AccessEntry>[] = [
    { path: '/a"b\\c' },
    { path: '/line\nbreak\r\u2028\u2029' },
    { path: '/\u0000\u001f\u007f' },
    { path: '/ünïcødé/😀/\ud800' },
    { route: null, identity: null },
    { reqId: 'proxy-id:1.2_3-4', status: 503, ms: 0 },
  ]
  const out = sink()
  const { access } = createLogger({ level: 'info', format: 'json', stream: out.stream })
  for (const change of cases) access({ ...entry, ...change })
  await nextTurn()
  assert.equal(out.text.split('\n').length, cases.length + 1, 'one line each (and the final newline)')
  lines(out.text).forEach((line, i) => {
    for (const [field, value] of Object.entries(cases[i]!)) {
      // JSON has no lone surrogates: JSON.stringify writes them escaped, and they read back the same.
      assert.deepEqual(line[field], value, `case ${i}, ${field}`)
    }
  })
})

test('access line: none below info; buffered to the end of the turn, then written as it comes after logSynchronously', async () => {
  const quiet = sink()
  createLogger({ level: 'warn', format: 'json', stream: quiet.stream }).access(entry)
  await nextTurn()
  assert.equal(quiet.text, '')

  const out = sink()
  const logging = createLogger({ level: 'info', format: 'json', stream: out.stream })
  logging.access(entry)
  logging.access({ ...entry, reqId: 'r-2' })
  assert.equal(out.text, '', 'the lines of a turn wait for its end')
  await nextTurn()
  assert.deepEqual(lines(out.text).map((line) => line.reqId), ['r-1', 'r-2'])
  logging.access({ ...entry, reqId: 'r-3' })
  logging.flushLogs()
  assert.deepEqual(lines(out.text).map((line) => line.reqId), ['r-1', 'r-2', 'r-3'], 'flushLogs writes what waits')
  logging.logSynchronously()
  logging.access({ ...entry, reqId: 'r-4' })
  assert.equal(lines(out.text).at(-1)!.reqId, 'r-4', 'written before the call returns')
})

test('request logger: the pino child is made on the first line only, with the request\'s bindings', () => {
  const out = sink()
  const { logger } = createLogger({ level: 'info', format: 'json', stream: out.stream })
  let children = 0
  const counting = Object.assign(Object.create(logger) as typeof logger, {
    child: (...args: Parameters<typeof logger.child>) => { children++; return logger.child(...args) },
  })
  const quiet = lazyChildLogger.call(null, counting, { reqId: 'q-1' }, {})
  assert.equal(quiet.level, 'info')
  assert.equal(children, 0, 'nothing made for a request that logs nothing')

  const used = lazyChildLogger.call(null, counting, { reqId: 'q-2' }, {})
  used.debug('below the level')
  used.error({ detail: 1 }, 'failed')
  used.warn('twice')
  assert.equal(children, 1, 'one child, made once')
  const written = lines(out.text)
  assert.deepEqual(written.map((line) => [line.reqId, line.msg]), [['q-2', 'failed'], ['q-2', 'twice']])
  assert.equal(written[0]!.detail, 1)
  used.level = 'error'
  used.warn('now below the level')
  assert.equal(lines(out.text).length, 2)
})
