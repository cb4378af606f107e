import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import { Writable } from 'node:stream'
import { after, test } from 'node:test'
import { randomEmail } from '../helpers/fixtures.js'
import { startServer } from '../helpers/server.js'

// password.checkHibp against a fake Have I Been Pwned range API on loopback: a breached password
// is COMPROMISED wherever passwords are set, only 5 hex characters of its SHA-1 are sent, and an
// outage (an error answer, a refused connection, a slow answer) lets the password through, logged.

const breached = `Breached-${randomBytes(4).toString('hex')}-Pass1`
const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase()

const fake = { mode: 'ok' as 'ok' | 'error' | 'slow', requests: [] as { url: string; padding: string | undefined }[] }
const hibp = createServer((req: IncomingMessage, res) => {
  fake.requests.push({ url: req.url ?? '', padding: req.headers['add-padding'] as string | undefined })
  if (fake.mode === 'error') return void res.writeHead(503).end()
  const answer = () => {
    const hash = sha1(breached)
    const lines = [`${'0'.repeat(35)}:0`, `${hash.slice(5)}:42`, `${'F'.repeat(35)}:3`]
    res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url === `/range/${hash.slice(0, 5)}` ? lines.join('\r\n') : `${'A'.repeat(35)}:1`)
  }
  if (fake.mode === 'slow') setTimeout(answer, 1_000)
  else answer()
})
await new Promise<void>((resolve) => hibp.listen(0, '127.0.0.1', resolve))
after(() => new Promise<void>((resolve) => { hibp.close(() => resolve()); hibp.closeAllConnections() }))
const port = (hibp.address() as { port: number }).port

const log = { text: '', stream: new Writable({ write(chunk, _encoding, done) { log.text += chunk; done() } }) }
const server = await startServer({ env: { HIBP_URL: `http://127.0.0.1:${port}/range/`, HIBP_TIMEOUT_MS: '300', LOG_LEVEL: 'warn' }, logStream: log.stream })
const configure = (checkHibp: boolean) => server.gql('mutation($c: Boolean) { configure(config: { password: { checkHibp: $c } }) { ok } }', { variables: { c: checkHibp } })
const signUp = async (password: string) => (await server.gql(
  'mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { ok error { code weakPasswordReasons } } }', { variables: { e: randomEmail(), p: password } })).body.data.signUp

test('checkHibp off (default): nothing is asked', async () => {
  fake.requests.length = 0
  assert.equal((await signUp(breached)).ok, true)
  assert.equal(fake.requests.length, 0)
  const { body } = await server.gql('{ configuration { password { checkHibp } } }')
  assert.equal(body.data.configuration.password.checkHibp, false)
})

test('checkHibp on: a breached password is TOO_WEAK with COMPROMISED; only 5 hex characters of its SHA-1 leave, with padding asked for', async () => {
  assert.equal((await configure(true)).body.data.configure.ok, true)
  fake.requests.length = 0
  fake.mode = 'ok'
  assert.deepEqual(await signUp(breached), { ok: false, error: { code: 'TOO_WEAK', weakPasswordReasons: ['COMPROMISED'] } })
  assert.deepEqual(fake.requests, [{ url: `/range/${sha1(breached).slice(0, 5)}`, padding: 'true' }])
  assert.equal((await signUp(`Unbreached-${randomBytes(4).toString('hex')}-Pass1`)).ok, true)
  // A password that breaks another rule is refused without asking.
  fake.requests.length = 0
  assert.deepEqual((await signUp('short')).error.weakPasswordReasons.includes('COMPROMISED'), false)
  assert.equal(fake.requests.length, 0)
})

test('checkHibp on: resetPassword and changePassword refuse a breached password too', async () => {
  await configure(true)
  fake.mode = 'ok'
  const made = await server.gql('mutation($e: String!) { signUp(email: $e, password: "Fine-Password-123") { result { person { id } } } }', { variables: { e: randomEmail() } })
  const id = made.body.data.signUp.result.person.id
  const change = await server.gql('mutation($id: String!, $p: String!) { changePassword(personId: $id, password: $p) { ok error { code weakPasswordReasons } } }', { variables: { id, p: breached } })
  assert.deepEqual(change.body.data.changePassword, { ok: false, error: { code: 'TOO_WEAK', weakPasswordReasons: ['COMPROMISED'] } })
})

test('checkHibp on, service down, erring or slow: the password is let through and a warning names the reason', async () => {
  await configure(true)
  for (const mode of ['error', 'slow'] as const) {
    fake.mode = mode
    log.text = ''
    assert.equal((await signUp(breached)).ok, true, mode)
    assert.match(log.text, /breach check was skipped/, mode)
    assert.doesNotMatch(log.text, new RegExp(breached), 'the password is never logged')
  }
  fake.mode = 'ok'
  const down = await startServer({ env: { HIBP_URL: 'http://127.0.0.1:9/range/', HIBP_TIMEOUT_MS: '300' } })
  await down.gql('mutation { configure(config: { password: { checkHibp: true } }) { ok } }')
  const answer = await down.gql('mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { ok } }', { variables: { e: randomEmail(), p: breached } })
  assert.equal(answer.body.data.signUp.ok, true, 'a refused connection fails open')
})
