import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_TEMPLATES, LAYOUT, MAIL_TYPES, REQUIRED_VARIABLES, type MailType } from '../../src/mail/defaults.js'
import { withoutSecrets } from '../../src/mail/outbox.js'
import { defaultSenderSettings, retryAt } from '../../src/mail/sender.js'
import { htmlToText, renderMail, shownVariables, templateProblem } from '../../src/mail/templates.js'
import { passwordlessAllowed, passwordlessLink } from '../../src/model/passwordless/passwordlessPolicy.js'

// The pure parts of mail: rendering, the variables a template shows, what a stored template
// must show, the plain-text part, the retry schedule, and the passwordless policy and link.

test('renderMail: values are HTML-escaped in the body, not in the subject; line breaks leave the subject', () => {
  const cases: { subject: string; content: string; variables: Record<string, string | null>; subjectOut: string; htmlOut: string }[] = [
    { subject: 'Hi {{name}}', content: '<p>{{name}}</p>', variables: { name: 'Tom & Jerry <tj>' }, subjectOut: 'Hi Tom & Jerry <tj>', htmlOut: '<p>Tom &amp; Jerry &lt;tj&gt;</p>' },
    { subject: '{{a}}', content: '<a href="{{url}}">x</a>', variables: { a: 'x', url: 'https://e.x/a?b=1&c="2"' }, subjectOut: 'x', htmlOut: '<a href="https:&#x2F;&#x2F;e.x&#x2F;a?b&#x3D;1&amp;c&#x3D;&quot;2&quot;">x</a>' },
    { subject: 'raw', content: '{{{html}}}', variables: { html: '<b>bold</b>' }, subjectOut: 'raw', htmlOut: '<b>bold</b>' },
    { subject: 'Line\r\nbreak {{x}}', content: '', variables: { x: 'in\nvalue' }, subjectOut: 'Line break in value', htmlOut: '' },
    { subject: '{{missing}}Hello', content: '{{#token}}T={{token}}{{/token}}{{^token}}none{{/token}}', variables: { token: null }, subjectOut: 'Hello', htmlOut: 'none' },
  ]
  for (const c of cases) {
    const out = renderMail({ subject: c.subject, content: c.content, useLayout: false }, c.variables)
    assert.equal(out.subject, c.subjectOut, c.subject)
    assert.equal(out.html, c.htmlOut, c.content)
  }
})

test('renderMail: the layout wraps the content, and its own text is not a template for values', () => {
  const out = renderMail({ subject: 's', content: '<p>{{x}}</p>', useLayout: true }, { x: '{{{content}}}' })
  assert.ok(out.html.startsWith(LAYOUT.slice(0, 20)))
  assert.match(out.html, /<p>\{\{\{content\}\}\}<\/p>/, 'a value that looks like a tag stays text')
  assert.equal(out.html.split('<body').length, 2)
  const dollars = renderMail({ subject: 's', content: 'Price: $& and $1 and $$', useLayout: true }, {})
  assert.match(dollars.html, /Price: \$& and \$1 and \$\$/, 'replacement patterns stay as written')
})

test('shownVariables: the names a template shows, in sections too; sections alone do not show', () => {
  const cases: [string, string[] | null][] = [
    ['{{a}} {{{b}}} {{&c}}', ['a', 'b', 'c']],
    ['{{#s}}{{inner}}{{/s}}{{^t}}{{other}}{{/t}}', ['inner', 'other']],
    ['{{#token}}you have one{{/token}}', []],
    ['{{! a comment }}{{> partial}}', []],
    ['{{#unclosed}}', null],
  ]
  for (const [text, names] of cases) assert.deepEqual(shownVariables(text) && [...shownVariables(text)!].sort(), names, text)
})

test('templateProblem: each type needs one variable of each of its groups, in the subject or the content', () => {
  const cases: [MailType, string, string, 'ok' | 'missing' | 'syntax'][] = [
    ['RESET_PASSWORD_REQUEST', 's', '{{token}}', 'ok'],
    ['RESET_PASSWORD_REQUEST', '{{token}}', 'nothing', 'ok'],
    ['RESET_PASSWORD_REQUEST', 's', '{{email}}', 'missing'],
    ['NEW_USER_INVITED', 's', '{{password}}', 'ok'],
    ['NEW_USER_INVITED', 's', '{{token}}', 'ok'],
    ['NEW_USER_INVITED', 's', '{{project}}', 'missing'],
    ['PASSWORDLESS_SIGN_IN', 's', '{{url}}', 'ok'],
    ['PASSWORDLESS_SIGN_IN', 's', '{{email}}', 'missing'],
    ['EMAIL_OTP', 's', '{{code}}', 'ok'],
    ['EMAIL_VERIFICATION', 's', 'x', 'missing'],
    ['EMAIL_CHANGE_VERIFY', 's', '{{token}}', 'ok'],
    ['EMAIL_CHANGE_NOTIFY', 's', 'anything', 'ok'],
    ['EXISTING_USER_INVITED', 's', '', 'ok'],
    ['EXISTING_USER_INVITED', '{{#a}}', '', 'syntax'],
  ]
  for (const [type, subject, content, expected] of cases) {
    const problem = templateProblem(type, { subject, content })
    assert.equal(problem?.kind ?? 'ok', expected, `${type}: ${subject} / ${content}`)
  }
})

test('the built-in templates show what their types need, and render without a value missing', () => {
  for (const [type, template] of Object.entries(DEFAULT_TEMPLATES) as [MailType, { subject: string; content: string }][]) {
    assert.equal(templateProblem(type, template), null, type)
    const values = Object.fromEntries(['email', 'token', 'password', 'url', 'project', 'projectSlug', 'newEmail', 'requestId', 'code', 'geoCountry', 'ipAddress'].map((n) => [n, `«${n}»`]))
    const out = renderMail({ ...template, useLayout: true }, values)
    assert.ok(out.subject.length > 0, type)
    for (const group of REQUIRED_VARIABLES[type]) assert.ok(group.some((name) => out.html.includes(`«${name}»`)), `${type} shows ${group}`)
  }
  assert.equal(MAIL_TYPES.length, 11)
})

test('htmlToText: blocks on lines, links with their address, entities undone, head and styles dropped', () => {
  const cases: [string, string][] = [
    ['<p>One</p><p>Two</p>', 'One\nTwo'],
    ['<a href="https://x.example/a">Open</a>', 'Open (https://x.example/a)'],
    ['<a href="https://x.example/a">https://x.example/a</a>', 'https://x.example/a'],
    ['Tom &amp; Jerry &lt;3 &#x2F; &quot;q&quot; &#39;s&#39;', 'Tom & Jerry <3 / "q" \'s\''],
    ['<head><style>p{}</style><title>t</title></head><body>Hi<br>there</body>', 'Hi\nthere'],
    ['<ul><li>a</li><li>b</li></ul>', '- a\n- b'],
    ['  lots   of\tspace  ', 'lots of space'],
  ]
  for (const [html, text] of cases) assert.equal(htmlToText(html), text, html)
})

test('withoutSecrets: every secret value is cut out, wherever and however often it appears', () => {
  assert.equal(withoutSecrets('Code abc and abc again', ['abc']), 'Code … and … again')
  assert.equal(withoutSecrets('pw: P@ss, token: t0k', ['P@ss', 't0k', '']), 'pw: …, token: …')
  assert.equal(withoutSecrets('nothing secret', []), 'nothing secret')
})

test('retryAt: the wait doubles from the first delay up to the cap; the last attempt gives up', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  const settings = { ...defaultSenderSettings, retryDelayMs: 5_000, maxRetryDelayMs: 3_600_000, maxAttempts: 20 }
  const cases: [number, number | null][] = [[1, 5_000], [2, 10_000], [3, 20_000], [10, 2_560_000], [11, 3_600_000], [19, 3_600_000], [20, null], [25, null]]
  for (const [attempts, wait] of cases) {
    const at = retryAt(settings, attempts, now)
    assert.equal(at === null ? null : at.getTime() - now.getTime(), wait, `after attempt ${attempts}`)
  }
})

test('passwordlessAllowed: the policy, and the person\'s own choice under optIn and optOut', () => {
  const cases: ['always' | 'never' | 'optIn' | 'optOut', boolean | null, boolean][] = [
    ['always', null, true], ['always', false, true], ['never', true, false], ['never', null, false],
    ['optIn', null, false], ['optIn', true, true], ['optIn', false, false],
    ['optOut', null, true], ['optOut', true, true], ['optOut', false, false],
  ]
  for (const [policy, choice, allowed] of cases) assert.equal(passwordlessAllowed(policy, choice), allowed, `${policy} ${choice}`)
})

test('passwordlessLink: token, request_id and email added to the page\'s query, its own parameters kept', () => {
  const link = new URL(passwordlessLink('https://app.example.com/pl?x=1&token=old#frag', { token: 'abc', requestId: 'r-1', email: 'a+b@example.com' }))
  assert.equal(link.origin + link.pathname, 'https://app.example.com/pl')
  assert.deepEqual([...link.searchParams], [['x', '1'], ['token', 'abc'], ['request_id', 'r-1'], ['email', 'a+b@example.com']])
  assert.equal(link.hash, '#frag')
  assert.match(passwordlessLink('myapp://sign-in', { token: 't', requestId: 'r', email: 'e@x.y' }), /^myapp:\/\/sign-in\?token=t&request_id=r&email=e%40x\.y$/)
})
