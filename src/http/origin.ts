import { BlockList, isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'
import { requestOrigin, type RequestOrigin } from '../model/clientInfo.js'

/** A check of addresses against TRUST_PROXY entries (addresses or CIDR ranges); null when there are none. */
export function trustList(entries: readonly string[]): ((address: string) => boolean) | null {
  if (entries.length === 0) return null
  const list = new BlockList()
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined]
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(bits), type)
  }
  return (address) => {
    // An IPv4 peer on a dual-stack socket appears as ::ffff:a.b.c.d.
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
    const type = isIP(plain) === 6 ? 'ipv6' : 'ipv4'
    return isIP(plain) !== 0 && list.check(plain, type)
  }
}

export type OriginReader = (request: FastifyRequest) => RequestOrigin

/**
 * Reads what a request says about its client (model/clientInfo.ts decides what to believe). The
 * geo header (GEO_COUNTRY_HEADER, say `cf-ipcountry`) counts only from a TRUST_PROXY peer or a
 * key trusted to forward client info.
 */
export function originReader(trusted: ((address: string) => boolean) | null, geoCountryHeader: string | null): OriginReader {
  const header = geoCountryHeader ? geoCountryHeader.toLowerCase() : null
  return (request) => requestOrigin(request.ip, request.headers, {
    geoCountryHeader: header,
    fromTrustedProxy: trusted !== null && trusted(request.socket.remoteAddress ?? ''),
  })
}
