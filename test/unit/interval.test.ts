import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatInterval, parseInterval } from '../../src/model/config/interval.js'

const parses: { input: unknown; seconds: number | null }[] = [
  // ISO 8601 durations
  { input: 'PT30M', seconds: 1800 },
  { input: 'PT0S', seconds: 0 },
  { input: 'PT1S', seconds: 1 },
  { input: 'PT1H', seconds: 3600 },
  { input: 'P1D', seconds: 86_400 },
  { input: 'P1W', seconds: 604_800 },
  { input: 'P180D', seconds: 15_552_000 },
  { input: 'P2DT1H', seconds: 176_400 },
  { input: 'P1DT1H1M1S', seconds: 90_061 },
  { input: 'P1W1D', seconds: 691_200 },
  { input: 'PT90M', seconds: 5400 },
  { input: 'PT1.5S', seconds: 2 },
  { input: 'PT1.4S', seconds: 1 },
  { input: 'PT0.5S', seconds: 1 },
  { input: ' PT30M ', seconds: 1800 },

  // PostgreSQL-style text
  { input: '30 minutes', seconds: 1800 },
  { input: '1 minute', seconds: 60 },
  { input: '1 hour 30 minutes', seconds: 5400 },
  { input: '2 days 3 hours', seconds: 183_600 },
  { input: '1 week', seconds: 604_800 },
  { input: '45 seconds', seconds: 45 },
  { input: '30 Minutes', seconds: 1800 },
  { input: '30min', seconds: 1800 },
  { input: '1h 30m', seconds: 5400 },
  { input: '00:30:00', seconds: 1800 },
  { input: '01:30:15', seconds: 5415 },
  { input: '48:00:00', seconds: 172_800 },

  // numbers are whole seconds
  { input: 0, seconds: 0 },
  { input: 1, seconds: 1 },
  { input: 1800, seconds: 1800 },
  { input: -1, seconds: null },
  { input: 1.5, seconds: null },
  { input: Number.NaN, seconds: null },
  { input: Number.POSITIVE_INFINITY, seconds: null },

  // anything else is refused
  { input: '', seconds: null },
  { input: '   ', seconds: null },
  { input: 'P', seconds: null },
  { input: 'PT', seconds: null },
  { input: 'P1DT', seconds: null },
  { input: 'abc', seconds: null },
  { input: '30', seconds: 30 },
  { input: '30 lightyears', seconds: null },
  { input: '1 hour 30', seconds: null },
  { input: '1 hour, 30 minutes', seconds: null },
  { input: '1.5 hours', seconds: null },
  { input: 'minutes', seconds: null },
  { input: 'P1Y', seconds: 365 * 86_400 },
  { input: 'P6M', seconds: 180 * 86_400 },
  { input: '6 month', seconds: 180 * 86_400 },
  { input: 'P1Y2M3DT4H', seconds: (365 + 60 + 3) * 86_400 + 4 * 3600 },
  { input: 'P1M', seconds: 30 * 86_400 },
  { input: 'PT1.5M', seconds: null },
  { input: '-PT30M', seconds: null },
  { input: '00:30', seconds: null },
  { input: '00:99:00', seconds: null },
  { input: '00:30:60', seconds: null },
  { input: '1800', seconds: 1800 },
  { input: {}, seconds: null },
  { input: [1800], seconds: null },
  { input: null, seconds: null },
  { input: undefined, seconds: null },
  { input: true, seconds: null },

  // unit names are looked up as own keys only, never Object.prototype's
  { input: '1 constructor', seconds: null },
  { input: '1 __proto__', seconds: null },
  { input: '3 toString', seconds: null },
  { input: '2 hasOwnProperty', seconds: null },
  { input: '1 valueOf 1 second', seconds: null },

  // at most 10 years of 365 days; beyond, or too large to be exact, is refused
  { input: 'P10Y', seconds: 315_360_000 },
  { input: '3650 days', seconds: 315_360_000 },
  { input: 315_360_000, seconds: 315_360_000 },
  { input: '315360000', seconds: 315_360_000 },
  { input: 'P10YT1S', seconds: null },
  { input: '3650 days 1 second', seconds: null },
  { input: 315_360_001, seconds: null },
  { input: '315360001', seconds: null },
  { input: '87601:00:00', seconds: null },
  { input: 'P11Y', seconds: null },
  { input: 2 ** 53, seconds: null },
  { input: 1e300, seconds: null },
  { input: '99999999999999999999999 seconds', seconds: null },
  { input: 'P9999999999999999999D', seconds: null },
  { input: '9'.repeat(400), seconds: null },
  { input: `PT${'9'.repeat(90)}S`, seconds: null },
  { input: `PT1.${'9'.repeat(90)}S`, seconds: 2 },
  // text longer than any real duration is refused before any pattern sees it
  { input: `P${'1'.repeat(100_000)}`, seconds: null },
  { input: `${'1'.repeat(100_000)}!`, seconds: null },
  { input: `${' '.repeat(100)}PT1S`, seconds: null },
]

for (const c of parses) {
  const text = typeof c.input === 'string' && c.input.length > 40 ? `${c.input.slice(0, 12)}… (${c.input.length} characters)` : c.input
  const shown = typeof text === 'string' ? JSON.stringify(text) : String(text === null ? 'null' : typeof text === 'object' ? JSON.stringify(text) : text)
  test(`parseInterval(${shown}) -> ${c.seconds}`, () => {
    assert.equal(parseInterval(c.input), c.seconds)
  })
}

const formats: { seconds: number; text: string }[] = [
  { seconds: 0, text: 'PT0S' },
  { seconds: 1, text: 'PT1S' },
  { seconds: 59, text: 'PT59S' },
  { seconds: 60, text: 'PT1M' },
  { seconds: 61, text: 'PT1M1S' },
  { seconds: 1800, text: 'PT30M' },
  { seconds: 3600, text: 'PT1H' },
  { seconds: 3601, text: 'PT1H1S' },
  { seconds: 86_399, text: 'PT23H59M59S' },
  { seconds: 86_400, text: 'P1D' },
  { seconds: 86_401, text: 'P1DT1S' },
  { seconds: 90_061, text: 'P1DT1H1M1S' },
  { seconds: 604_800, text: 'P7D' },
  { seconds: 15_552_000, text: 'P180D' },
]

for (const c of formats) {
  test(`formatInterval(${c.seconds}) -> ${c.text}`, () => {
    assert.equal(formatInterval(c.seconds), c.text)
  })
}

test('interval: parse(format(n)) gives n back', () => {
  const values = [
    0, 1, 2, 59, 60, 61, 299, 300, 1799, 1800, 3599, 3600, 3661, 86_399, 86_400, 86_401, 90_061,
    604_799, 604_800, 604_801, 15_552_000, 31_536_000, 315_360_000,
  ]
  for (let n = 0; n < 200_000; n += 997) values.push(n)
  for (const n of values) assert.equal(parseInterval(formatInterval(n)), n, `${n} -> ${formatInterval(n)}`)
})

test('interval: format(parse(text)) is the canonical ISO form', () => {
  const canonical: [string, string][] = [
    ['30 minutes', 'PT30M'], ['00:30:00', 'PT30M'], ['PT90M', 'PT1H30M'], ['P1W', 'P7D'], ['1 hour 30 minutes', 'PT1H30M'],
  ]
  for (const [text, iso] of canonical) assert.equal(formatInterval(parseInterval(text)!), iso, text)
})
