/**
 * Every Redis key of one canvas. All share the hash tag `{canvasId}` so one Lua script may
 * touch them together and Redis Cluster keeps a canvas on one shard.
 */
export interface CanvasKeys {
  /** Hash: width, height, palette (JSON), cooldownMs, paused (0/1), version. */
  readonly config: string;
  /** Stream: one entry per accepted placement (x, y, c, u). */
  readonly events: string;
  /** Hash: userId → ban expiry in epoch ms (0: forever). */
  readonly bans: string;
  /** Hash: address prefix (`10.0.0.0/24`, `2001:db8::/48`) → ban expiry in epoch ms (0: forever). */
  readonly addressBans: string;
  /** String with TTL: holder id of the writer leadership. */
  readonly writerLock: string;
  /** Hash: seq, cursor, last delta (for a standby to resume exactly). */
  readonly writerState: string;
  /** Stream: admin actions. */
  readonly audit: string;
  /**
   * Pub/sub channel: the end position of each delta, published right after it. Gateways drop
   * their cached canvas read on it, so a player never gets a read older than a delta it missed.
   */
  readonly deltaNotices: string;
  /**
   * Key of the Socket.IO Redis adapter and emitter: the prefix of their pub/sub channels. Per
   * canvas, so releases sharing one Redis never receive each other's broadcasts or requests.
   */
  readonly socketIo: string;
  /** Hash: gateway id → `count:expiresAtMs`, each gateway's players online (see store/src/presence.ts). */
  readonly presence: string;
  /** Hash: the event's numbers (placements, canvasLoads, peaks, cursor: see store/src/event-stats.ts). */
  readonly stats: string;
  /** HyperLogLog: every user who placed. */
  readonly statsUsers: string;
  /** HyperLogLog: every signed-in user (an account, not a guest) who placed. */
  readonly statsSignedInUsers: string;
  /** Hash: minute start (epoch ms) → placements in that minute. */
  readonly statsPlacementsPerMinute: string;
  /** Hash: second start (epoch ms) → placements, the last few minutes only (for the peak per second). */
  readonly statsPlacementsPerSecond: string;
  /** Hash: minute start (epoch ms) → canvas loads in that minute. */
  readonly statsLoadsPerMinute: string;
  /** Hash: minute start (epoch ms) → most players online at once in that minute. */
  readonly statsOnlinePerMinute: string;
  /** Hash: official template id → JSON OfficialTemplate. */
  readonly templates: string;
  /** Hash: text, version (the rules and help players see). */
  readonly rules: string;
  /** String: a chunk, one byte per pixel. */
  chunk(cx: number, cy: number): string;
  /** String with TTL: this user's cooldown. */
  userCooldown(userId: string): string;
  /** String with TTL: this address's cooldown (guests). */
  ipCooldown(ip: string): string;
  /** Counter with TTL: new guest sessions this address started in the current window. */
  guestSessions(ip: string): string;
  /** String with TTL (the challenge's remaining life): a proof-of-work solution already used, by challenge nonce. */
  challengeUsed(nonce: string): string;
  /** The common prefix, for SCAN patterns. */
  readonly prefix: string;
  /** String: who placed each pixel of a chunk and when, 8 bytes a pixel (u32 user number, u32 epoch s). */
  owners(cx: number, cy: number): string;
  /** Hash: `id:<userId>` → user number, `n:<number>` → userId, `next` → the last number given. */
  readonly userNumbers: string;
  /** Hash: userId → display name (accounts) as last seen on a connection. */
  readonly userProfiles: string;
  /** Hash with TTL: canonical address → `firstSeen:lastSeen` (epoch ms) of this user's connections. */
  userSessions(userId: string): string;
  /** Hash with TTL (a week after the last placement): placements, firstAt, lastAt (epoch ms) of this user. */
  userActivity(userId: string): string;
  /** Hash with TTL: epoch minute → this user's placements in it. */
  userMinutes(userId: string): string;
  /** List with TTL (as userActivity): this user's newest placements, `x,y,colour,at`, newest first. */
  userRecent(userId: string): string;
  /** Sorted set: userId → placements in one UTC hour (`all`: since the start). */
  placers(hour: number | 'all'): string;
  /** String: epoch ms of the newest snapshot job that confirmed S3 holds the canvas (see store/src/snapshot-confirmations.ts). */
  readonly snapshotConfirmedAt: string;
}

const CANVAS_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export function isCanvasId(value: string): boolean {
  return CANVAS_ID.test(value);
}

export function canvasKeys(canvasId: string): CanvasKeys {
  if (!isCanvasId(canvasId)) throw new Error(`invalid canvas id ${JSON.stringify(canvasId)}`);
  const prefix = `tessera:{${canvasId}}:`;
  return Object.freeze({
    prefix,
    config: `${prefix}config`,
    events: `${prefix}events`,
    bans: `${prefix}bans`,
    addressBans: `${prefix}address-bans`,
    writerLock: `${prefix}writer:lock`,
    writerState: `${prefix}writer:state`,
    audit: `${prefix}audit`,
    deltaNotices: `${prefix}delta-notices`,
    socketIo: `${prefix}socket.io`,
    presence: `${prefix}presence`,
    stats: `${prefix}stats`,
    statsUsers: `${prefix}stats:users`,
    statsSignedInUsers: `${prefix}stats:signed-in-users`,
    statsPlacementsPerMinute: `${prefix}stats:placements-per-minute`,
    statsPlacementsPerSecond: `${prefix}stats:placements-per-second`,
    statsLoadsPerMinute: `${prefix}stats:loads-per-minute`,
    statsOnlinePerMinute: `${prefix}stats:online-per-minute`,
    templates: `${prefix}templates`,
    rules: `${prefix}rules`,
    chunk: (cx: number, cy: number) => `${prefix}chunk:${cx}:${cy}`,
    userCooldown: (userId: string) => `${prefix}cooldown:user:${userId}`,
    ipCooldown: (ip: string) => `${prefix}cooldown:ip:${ip}`,
    guestSessions: (ip: string) => `${prefix}guest-sessions:${ip}`,
    challengeUsed: (nonce: string) => `${prefix}challenge-used:${nonce}`,
    owners: (cx: number, cy: number) => `${prefix}owners:${cx}:${cy}`,
    userNumbers: `${prefix}user-numbers`,
    userProfiles: `${prefix}user-profiles`,
    userSessions: (userId: string) => `${prefix}user-sessions:${userId}`,
    userActivity: (userId: string) => `${prefix}user-activity:${userId}`,
    userMinutes: (userId: string) => `${prefix}user-minutes:${userId}`,
    userRecent: (userId: string) => `${prefix}user-recent:${userId}`,
    placers: (hour: number | 'all') => `${prefix}placers:${hour}`,
    snapshotConfirmedAt: `${prefix}snapshot-confirmed-at`,
  });
}
