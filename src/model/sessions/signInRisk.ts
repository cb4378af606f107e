import { isIP } from 'node:net'
import { selectRecentSignIns, type PriorSignIn } from '../../db/queries/authLog.js'
import type { AnomalyDetectionConfig } from '../config/tenantConfig.js'
import type { ClientInfo } from '../clientInfo.js'
import type { Deps } from '../deps.js'

// How unusual a sign-in is: compared with the person's recent successful sign-ins, each thing
// none of them shared adds its weight. A country (from a trusted proxy) weighs most, a device
// (user agent) less, a network least; the thresholds of `login.anomalyDetection` decide what
// follows (signIn.ts).

export const RISK_WEIGHTS = { newCountry: 3, newDevice: 2, newNetwork: 1 } as const

export type RiskReason = 'new_country' | 'new_device' | 'new_ip_prefix'

export interface RiskAssessment {
  score: number
  /** What was new, for the auth log. */
  reasons: RiskReason[]
  action: 'allow' | 'email' | 'stepUp'
}

/** The sign-ins a new one is compared with: those that gave the person a session from their own client. */
export const BASELINE_SIGN_INS = ['login', 'passwordless_login', 'idp_login'] as const

/**
 * The network an address belongs to: its /24 for IPv4 (also written as ::ffff:a.b.c.d), its /48
 * for IPv6 (however it is written), null for anything that is not an address.
 */
export function ipNetwork(address: string | null): string | null {
  if (!address) return null
  const value = address.trim().toLowerCase()
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(value)
  const plain = mapped ? mapped[1]! : value
  const family = isIP(plain)
  if (family === 4) return `${plain.split('.').slice(0, 3).join('.')}.0/24`
  if (family !== 6) return null
  const groups = expandIpv6(plain)
  return groups ? `${groups.slice(0, 3).map((group) => parseInt(group, 16).toString(16)).join(':')}::/48` : null
}

/** The eight groups of an IPv6 address that isIP accepted (an embedded IPv4 tail counts as two). */
function expandIpv6(address: string): string[] | null {
  const [head = '', tail] = address.split('::') as [string, string | undefined]
  const part = (text: string) => text === '' ? [] : text.split(':').flatMap((group) => {
    if (!group.includes('.')) return [group]
    const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number]
    return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)]
  })
  const left = part(head)
  const right = tail === undefined ? [] : part(tail)
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return groups.length === 8 ? groups : null
}

/**
 * The score of a sign-in from `current` against `history`. A signal counts only when this
 * sign-in has a value for it and earlier ones recorded some (a country header turned on today
 * makes no one's sign-in unusual); with no history at all nothing is unusual.
 */
export function scoreSignIn(current: ClientInfo, history: readonly PriorSignIn[], config: AnomalyDetectionConfig): RiskAssessment {
  const reasons: RiskReason[] = []
  let score = 0
  const isNew = (value: string | null | undefined, seen: (string | null)[]) => {
    const known = seen.filter((item) => item !== null)
    return value != null && known.length > 0 && !known.includes(value)
  }
  if (isNew(current.geoCountry?.toUpperCase(), history.map((h) => h.geoCountry?.toUpperCase() ?? null))) {
    score += RISK_WEIGHTS.newCountry
    reasons.push('new_country')
  }
  if (isNew(current.userAgent, history.map((h) => h.userAgent))) {
    score += RISK_WEIGHTS.newDevice
    reasons.push('new_device')
  }
  if (isNew(ipNetwork(current.ip), history.map((h) => ipNetwork(h.ipAddress)))) {
    score += RISK_WEIGHTS.newNetwork
    reasons.push('new_ip_prefix')
  }
  const action = score >= config.stepUpThreshold ? 'stepUp' : score >= config.emailThreshold ? 'email' : 'allow'
  return { score, reasons, action: history.length === 0 ? 'allow' : action }
}

/** How unusual this sign-in of the person is; null when anomaly detection is off (nothing is read). */
export async function assessSignIn(deps: Deps, personId: string, client: ClientInfo, config: AnomalyDetectionConfig): Promise<RiskAssessment | null> {
  if (!config.enabled) return null
  const history = await selectRecentSignIns(deps.db, personId, BASELINE_SIGN_INS, config.historySize)
  return scoreSignIn(client, history, config)
}
