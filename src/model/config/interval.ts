// The `Interval` scalar: a duration. Output is an ISO 8601 duration ("PT30M", "P180D");
// input also accepts PostgreSQL-style text ("30 minutes", "00:30:00") and plain seconds.
// Internally a duration is a whole number of seconds.

// Years and months have no fixed length; like PostgreSQL's justify_days, a month counts as
// 30 days and a year as 365 (so the reference's "P6M" is 180 days).
const isoPattern = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/
const unitSeconds: Record<string, number> = {
  second: 1, seconds: 1, sec: 1, secs: 1, s: 1,
  minute: 60, minutes: 60, min: 60, mins: 60, m: 60,
  hour: 3600, hours: 3600, h: 3600,
  day: 86_400, days: 86_400, d: 86_400,
  week: 604_800, weeks: 604_800, w: 604_800,
  month: 2_592_000, months: 2_592_000, mon: 2_592_000, mons: 2_592_000,
  year: 31_536_000, years: 31_536_000, y: 31_536_000,
}

/**
 * The longest duration accepted: 10 years (of 365 days). Nothing the tenant configures needs more,
 * and the bound keeps every result a safe integer that formatInterval writes back exactly.
 */
export const MAX_INTERVAL_SECONDS = 315_360_000

// No duration worth writing is longer. The patterns below backtrack quadratically on a long run
// of digits (80,000 digits held the event loop for 27 s), so longer text never reaches them.
const MAX_TEXT_LENGTH = 100

/** A whole number of seconds within 0..MAX_INTERVAL_SECONDS, else null (NaN, Infinity, overflow). */
const inRange = (seconds: number) => Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= MAX_INTERVAL_SECONDS ? seconds : null

export function parseInterval(value: unknown): number | null {
  if (typeof value === 'number') return inRange(value)
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) return null
  const text = value.trim()
  const iso = isoPattern.exec(text)
  if (iso && text !== 'P' && !text.endsWith('T')) {
    const [, y, mo, w, d, h, m, s] = iso
    // Every term is non-negative, so an overflowing one (Infinity) or one too large to be exact
    // makes the sum exceed the bound: inRange refuses it rather than storing an imprecise value.
    return inRange(Math.round(Number(y ?? 0) * 365 * 86_400 + Number(mo ?? 0) * 30 * 86_400 + Number(w ?? 0) * 604_800 +
      Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)))
  }
  if (/^\d+$/.test(text)) return inRange(Number(text))
  const clock = /^(\d+):([0-5]\d):([0-5]\d)$/.exec(text)
  if (clock) return inRange(Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3]))
  const parts = [...text.toLowerCase().matchAll(/(\d+)\s*([a-z]+)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join(' ').replace(/\s+/g, '') !== text.toLowerCase().replace(/\s+/g, '')) return null
  let total = 0
  for (const [, amount, unit] of parts) {
    // Own keys only: "1 constructor" found Object.prototype.constructor, and the NaN it made was
    // stored as null, silently turning the sign-in back-off off.
    if (!Object.hasOwn(unitSeconds, unit!)) return null
    total += Number(amount) * unitSeconds[unit!]!
  }
  return inRange(total)
}

export function formatInterval(seconds: number): string {
  if (seconds === 0) return 'PT0S'
  const days = Math.floor(seconds / 86_400)
  let rest = seconds % 86_400
  const hours = Math.floor(rest / 3600)
  rest %= 3600
  const minutes = Math.floor(rest / 60)
  const secs = rest % 60
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${secs ? `${secs}S` : ''}`
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`
}
