import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as contember from '@contember/graphql-client-tenant'
import { parse, validate } from 'graphql'
import { goodPassword, signInAnswer } from '../helpers/persons.js'
import { startServer } from '../helpers/server.js'
import { startSmtpSink } from '../helpers/smtp.js'

// invite and password reset through Contember's own typed client for the Tenant API
// (@contember/graphql-client-tenant), its generated operations unchanged, with the mail read from
// a real SMTP server: invite (RESET_PASSWORD) -> the mailed token -> resetPassword -> sign-in, and
// createResetPasswordRequest -> the mailed token -> resetPassword. (See contember-client.test.ts
// for why each fetcher is typed from its own generated file.)

// The fetchers are used as any caller of the package uses them; only `execute` is typed here, with
// answers left loose (the assertions read them).
const client = contember as unknown as Record<string, any>
const execute = client.execute as (fetcher: unknown, options: { executor: (query: string, variables: object) => Promise<unknown>; variables?: object }) => Promise<any>
const {
  mutation$, query$, inviteResponse$, inviteError$, inviteResult$, person$$, createPasswordResetRequestResponse$, createPasswordResetRequestError$,
  resetPasswordResponse$, resetPasswordError$, mailTemplateData$, initSignInPasswordlessResponse$, initSignInPasswordlessResult$,
  signInPasswordlessResponse$, signInPasswordlessResult$, signInPasswordlessError$, initSignInPasswordlessError$,
} = client
for (const name of ['execute', 'mutation$', 'inviteResponse$', 'createPasswordResetRequestResponse$', 'resetPasswordResponse$', 'mailTemplateData$', 'signInPasswordlessResponse$']) {
  assert.ok(client[name], `@contember/graphql-client-tenant exports ${name}`)
}

const smtp = await startSmtpSink()
const server = await startServer({ env: { ...smtp.env, MAIL_POLL_INTERVAL_MS: '100' } })

const executorFor = (token: string) => async (query: string, variables: object) => {
  const res = await fetch(`${server.url}/tenant`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }),
  })
  const body = await res.json()
  assert.equal(res.status, 200, `HTTP ${res.status} for the client's document:\n${query}\n${JSON.stringify(body)}`)
  assert.equal(body.errors, undefined, `the client's document:\n${query}\nanswer ${JSON.stringify(body)}`)
  return body
}

const invite = mutation$.invite(inviteResponse$.ok.error(inviteError$.code.developerMessage).result(inviteResult$.isNew.person(person$$)))
const requestReset = mutation$.createResetPasswordRequest(createPasswordResetRequestResponse$.ok.error(createPasswordResetRequestError$.code.developerMessage))
const resetPassword = mutation$.resetPassword(resetPasswordResponse$.ok.error(resetPasswordError$.code.developerMessage))
const mailTemplates = query$.mailTemplates(mailTemplateData$.projectSlug.type.variant.subject.content.useLayout.replyTo)
const initPasswordless = mutation$.initSignInPasswordless(initSignInPasswordlessResponse$.ok.error(initSignInPasswordlessError$.code.developerMessage).result(initSignInPasswordlessResult$.requestId.expiresAt))
const signInPasswordless = mutation$.signInPasswordless(signInPasswordlessResponse$.ok.error(signInPasswordlessError$.code.developerMessage).result(signInPasswordlessResult$.token.person(person$$)))

async function documentOf(fetcher: unknown): Promise<string> {
  let document = ''
  await execute(fetcher, { executor: async (query: string) => { document = query; return { data: {} } } })
  return document
}

const tokenIn = (html: string) => /([0-9a-f]{40})/.exec(html)?.[1]

test('the client: its generated invite, reset, mail template and passwordless documents validate against our schema', async () => {
  const schema = server.app.server.graphql.schema
  for (const fetcher of [invite, requestReset, resetPassword, mailTemplates, initPasswordless, signInPasswordless]) {
    const document = await documentOf(fetcher)
    assert.deepEqual(validate(schema, parse(document)).map((e) => e.message), [], document)
  }
})

test('the client: invite with RESET_PASSWORD -> the mailed token -> resetPassword -> sign-in; then a reset request -> resetPassword', async () => {
  assert.equal((await server.gql('mutation { createProject(projectSlug: "blog", name: "Blog", options: { noDeployToken: true }) { ok } }')).body.data.createProject.ok, true)
  const email = 'grace@example.com'
  const invited = (await execute(invite, {
    executor: executorFor(server.rootToken),
    variables: { email, projectSlug: 'blog', memberships: [{ role: 'admin', variables: [] }], options: { method: 'RESET_PASSWORD' } },
  })).invite
  assert.equal(invited?.ok, true, JSON.stringify(invited))
  assert.equal(invited.result.isNew, true)
  assert.equal(invited.result.person.email, email)

  const token = tokenIn((await smtp.waitFor((m) => m.to.includes(email))).html)
  assert.ok(token)
  const password = goodPassword()
  const reset = (await execute(resetPassword, { executor: executorFor(server.loginToken), variables: { token, password } })).resetPassword
  assert.equal(reset?.ok, true, JSON.stringify(reset))
  assert.equal(await signInAnswer(server, email, password), 'ok')

  const before = smtp.mails.length
  const requested = (await execute(requestReset, { executor: executorFor(server.loginToken), variables: { email } })).createResetPasswordRequest
  assert.equal(requested?.ok, true, JSON.stringify(requested))
  const mail = await smtp.waitFor((m) => m.to.includes(email) && smtp.mails.indexOf(m) >= before)
  const second = goodPassword()
  const again = (await execute(resetPassword, { executor: executorFor(server.loginToken), variables: { token: tokenIn(mail.html), password: second } })).resetPassword
  assert.equal(again?.ok, true)
  assert.equal(await signInAnswer(server, email, second), 'ok')

  const templates = (await execute(mailTemplates, { executor: executorFor(server.rootToken) })).mailTemplates
  assert.deepEqual(templates, [])
})
