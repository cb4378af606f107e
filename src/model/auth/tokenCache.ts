import type { ApiKeyForAuth } from '../../db/queries/apiKeys.js'
import type { Principal } from './authenticate.js'

// Every request of every downstream service verifies a token, so verification stays off the
// disk on repeated calls: a per-node cache keyed by the token's hash. Entries live `ttlMs` at
// most, and are dropped at once when a change is announced on the invalidation channel
// (revocation.ts), so several nodes stay consistent.

export interface CacheEntry {
  key: ApiKeyForAuth
  cachedAt: number
  /** Introspection answers per project slug, filled on demand, dropped with the entry. */
  projects: Map<string, unknown>
  /** The caller this key makes, made at its first request (the key's roles change only by dropping the entry). */
  principal?: Principal
}

export class TokenCache {
  private readonly entries = new Map<string, CacheEntry>()
  private readonly byIdentity = new Map<string, Set<string>>()
  /** Running tallies for the metrics (read at scrape time). */
  readonly stats = { hits: 0, misses: 0, evictions: 0, invalidations: 0 }

  constructor(private readonly ttlMs = 60_000, private readonly maxEntries = 100_000) {}

  get(tokenHash: string, now: number): CacheEntry | undefined {
    const entry = this.entries.get(tokenHash)
    if (!entry) {
      this.stats.misses++
      return undefined
    }
    if (now - entry.cachedAt >= this.ttlMs) {
      this.dropToken(tokenHash)
      this.stats.misses++
      return undefined
    }
    this.stats.hits++
    return entry
  }

  set(tokenHash: string, key: ApiKeyForAuth, now: number): CacheEntry {
    this.dropToken(tokenHash)
    // Maps keep insertion order: the first entry is the oldest.
    if (this.entries.size >= this.maxEntries) {
      this.dropToken(this.entries.keys().next().value!)
      this.stats.evictions++
    }
    const entry: CacheEntry = { key, cachedAt: now, projects: new Map() }
    this.entries.set(tokenHash, entry)
    let hashes = this.byIdentity.get(key.identityId)
    if (!hashes) this.byIdentity.set(key.identityId, hashes = new Set())
    hashes.add(tokenHash)
    return entry
  }

  dropToken(tokenHash: string): void {
    const entry = this.entries.get(tokenHash)
    if (!entry) return
    this.entries.delete(tokenHash)
    const hashes = this.byIdentity.get(entry.key.identityId)
    hashes?.delete(tokenHash)
    if (hashes?.size === 0) this.byIdentity.delete(entry.key.identityId)
  }

  dropIdentity(identityId: string): void {
    for (const hash of [...this.byIdentity.get(identityId) ?? []]) this.dropToken(hash)
  }

  clear(): void {
    this.entries.clear()
    this.byIdentity.clear()
  }

  get size(): number {
    return this.entries.size
  }
}
