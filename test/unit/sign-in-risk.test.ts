import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ipNetwork, scoreSignIn } from '../../src/model/sessions/signInRisk.js'
import { defaultConfig } from '../../src/model/config/tenantConfig.js'

// How unusual a sign-in is (login.anomalyDetection): the network of an address, and the score
// of a sign-in against the person's recent ones, with the action the default thresholds take.

test('ipNetwork: /24 for IPv4 (also mapped into IPv6), /48 for IPv6 however written, null for the rest', () => {
  const cases: [string | null, string | null][] = [
    ['192.0.2.44', '192.0.2.0/24'],
    ['192.0.2.1', '192.0.2.0/24'],
    ['::ffff:192.0.2.9', '192.0.2.0/24'],
    ['0:0:0:0:0:ffff:192.0.2.9', '192.0.2.0/24'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::/48'],
    ['2001:0DB8:ABCD:0012:0000:0000:0000:0001', '2001:db8:abcd::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['2001:db8:0:1::', '2001:db8:0::/48'],
    ['::1', '0:0:0::/48'],
    ['::', '0:0:0::/48'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0::/48'],
    ['not an address', null],
    ['', null],
    [null, null],
    ['999.1.1.1', null],
  ]
  for (const [address, network] of cases) assert.equal(ipNetwork(address), network, String(address))
})

const usual = { ipAddress: '192.0.2.10', userAgent: 'Firefox/120', geoCountry: 'CZ' }
const config = defaultConfig.login.anomalyDetection

test('scoreSignIn: each new thing adds its weight; the thresholds (email 1, step-up 3) decide', () => {
  const cases: [string, { ip: string | null; userAgent: string | null; geoCountry?: string | null }, typeof usual[], number, string[], string][] = [
    ['the usual client', { ip: '192.0.2.99', userAgent: 'Firefox/120', geoCountry: 'CZ' }, [usual], 0, [], 'allow'],
    ['country compared without case', { ip: '192.0.2.99', userAgent: 'Firefox/120', geoCountry: 'cz' }, [usual], 0, [], 'allow'],
    ['a new network only', { ip: '198.51.100.7', userAgent: 'Firefox/120', geoCountry: 'CZ' }, [usual], 1, ['new_ip_prefix'], 'email'],
    ['a new device only', { ip: '192.0.2.10', userAgent: 'Safari/17', geoCountry: 'CZ' }, [usual], 2, ['new_device'], 'email'],
    ['a new country only', { ip: '192.0.2.10', userAgent: 'Firefox/120', geoCountry: 'US' }, [usual], 3, ['new_country'], 'stepUp'],
    ['device and network', { ip: '198.51.100.7', userAgent: 'Safari/17', geoCountry: 'CZ' }, [usual], 3, ['new_device', 'new_ip_prefix'], 'stepUp'],
    ['everything new', { ip: '198.51.100.7', userAgent: 'Safari/17', geoCountry: 'US' }, [usual], 6, ['new_country', 'new_device', 'new_ip_prefix'], 'stepUp'],
    ['no history: nothing is unusual', { ip: '198.51.100.7', userAgent: 'Safari/17', geoCountry: 'US' }, [], 0, [], 'allow'],
    ['no country now: not counted', { ip: '192.0.2.10', userAgent: 'Firefox/120', geoCountry: null }, [usual], 0, [], 'allow'],
    ['no country before: not counted', { ip: '192.0.2.10', userAgent: 'Firefox/120', geoCountry: 'US' }, [{ ...usual, geoCountry: null as never }], 0, [], 'allow'],
    ['no user agent now: not counted', { ip: '192.0.2.10', userAgent: null }, [usual], 0, [], 'allow'],
    ['no address now: not counted', { ip: null, userAgent: 'Firefox/120' }, [usual], 0, [], 'allow'],
    ['any earlier sign-in makes it known', { ip: '203.0.113.5', userAgent: 'Safari/17', geoCountry: 'DE' },
      [usual, { ipAddress: '203.0.113.200', userAgent: 'Safari/17', geoCountry: 'DE' }], 0, [], 'allow'],
  ]
  for (const [name, current, history, score, reasons, action] of cases) {
    const assessment = scoreSignIn(current, history, config)
    assert.deepEqual(assessment, { score, reasons, action }, name)
  }
})

test('scoreSignIn: thresholds are the configuration\'s; step-up wins when both are reached', () => {
  const current = { ip: '198.51.100.7', userAgent: 'Safari/17', geoCountry: 'CZ' }
  const cases: [number, number, string][] = [[1, 3, 'stepUp'], [1, 4, 'email'], [4, 5, 'allow'], [0, 100, 'email'], [3, 3, 'stepUp']]
  for (const [emailThreshold, stepUpThreshold, action] of cases) {
    assert.equal(scoreSignIn(current, [usual], { ...config, emailThreshold, stepUpThreshold }).action, action, `${emailThreshold}/${stepUpThreshold}`)
  }
})
