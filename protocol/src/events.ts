import type { CanvasConfig } from './canvas-config.js';
import type { ProofResult } from './challenge.js';
import type { ErrorCode } from './error-codes.js';
import type { PlacePayload } from './place-payload.js';
import type { WireFrame } from './wire.js';

/** Socket.IO event names, shared so no process spells one differently. */
export const Events = {
  Place: 'place',
  Welcome: 'welcome',
  Delta: 'delta',
  Sync: 'sync',
  Config: 'config',
  Draining: 'draining',
  Kicked: 'kicked',
  Resync: 'resync',
  CanvasStatus: 'canvas-status',
  Presence: 'presence',
  /** A proof-of-work solution for this connection (handshake mode) or the next placement (placement mode). */
  Proof: 'proof',
} as const;

export type PlaceResult =
  /** `nextAt`: epoch ms when this player may place again. `eventId`: the stream id of the placement. */
  | { readonly ok: true; readonly nextAt: number; readonly eventId: string }
  /** `retryAt` comes with COOLDOWN: epoch ms when the cooldown ends. */
  | { readonly ok: false; readonly error: ErrorCode; readonly retryAt?: number };

/** Sent once per connection, before any delta reaches the socket. */
export interface Welcome {
  readonly userId: string;
  /** Present when the gateway issued a new guest session: store it and send it on reconnect. */
  readonly sessionToken?: string;
  readonly config: CanvasConfig;
  /** Epoch ms until which this player's cooldown runs (0 when none). */
  readonly cooldownUntil: number;
  /** Server clock, so the client can correct countdowns for its own clock skew. */
  readonly serverTime: number;
  /**
   * Stream position (`ms-seq`) that every delta broadcast before this connection joined ends at or
   * before: the client installs no canvas read older than it (invariant 6), so a browser or CDN
   * copy from before a reconnection cannot be accepted.
   */
  readonly minPosition: string;
  /** The writer epoch `minPosition` belongs to (0 before any writer ran): another epoch voids it. */
  readonly epoch: number;
  /** A signed-in player's name, from their identity token (`name`, else `preferred_username`). */
  readonly displayName?: string;
  /** Present when this player is banned: they watch read-only until `expiresAt` (0: never). */
  readonly ban?: BanNotice;
}

export interface BanNotice {
  readonly reason: string;
  /** Epoch ms when the ban ends; 0: never. */
  readonly expiresAt: number;
}

export interface ClientToServerEvents {
  place: (payload: PlacePayload, ack: (result: PlaceResult) => void) => void;
  /** `payload`: the ALTCHA widget's base64 solution. */
  proof: (payload: string, ack: (result: ProofResult) => void) => void;
}

export interface ServerToClientEvents {
  welcome: (welcome: Welcome) => void;
  /** A binary delta (see delta-codec), as base64 text or raw bytes (see wire). */
  delta: (frame: WireFrame) => void;
  /** Per-chunk checksums (see sync-codec), same wire forms as delta. */
  sync: (frame: WireFrame) => void;
  /** The canvas config changed (palette, size, cooldown, pause). */
  config: (config: CanvasConfig) => void;
  /** This gateway is shutting down: reconnect (the load balancer picks another). */
  draining: () => void;
  /** The server is closing this connection for a reason the client should show. */
  kicked: (reason: ErrorCode) => void;
  /**
   * The canvas was rewritten outside the event stream (a snapshot restore, a palette remap, a
   * rollback): drop the local copy and read the canvas again.
   */
  resync: () => void;
  /**
   * This gateway lost (available false) or regained its Redis: while it lasts placements are
   * answered CANVAS_UNAVAILABLE and canvas reads 503, so the client says so instead of failing
   * each action on its own. The connection itself stays up.
   */
  'canvas-status': (status: CanvasStatus) => void;
  /** Players online across every gateway: on connection, then whenever the figure changes (every few seconds at most). */
  presence: (presence: Presence) => void;
}

export interface Presence {
  readonly online: number;
}

export interface CanvasStatus {
  readonly available: boolean;
}

/** Between gateways, through the Redis adapter (`io.serverSideEmit`). */
export interface InterServerEvents {
  /** The canvas config changed: drop any cached copy before the players' config push lands. */
  configChanged: () => void;
}

/** What a gateway keeps on each socket. */
export interface SocketData {
  userId: string;
  /** An admin page's view of the canvas (`auth.spectator`): not a player, so not counted as online. */
  spectator?: boolean;
  /** The client asked for deltas and syncs as bare frames (`auth.frames`, see bare-frames.ts). */
  bareFrames?: boolean;
  ip: string;
  /** Guests are cooled down per IP as well as per user. */
  guest: boolean;
  /** The ban prefixes covering `ip` (the address bans the placement script checks). */
  addressPrefixes: string[];
  /** A solution was verified in the handshake (handshake mode: good for this connection). */
  challengePassed?: boolean;
  /** A signed-in player's name from their token. */
  displayName?: string;
  /** Set when the user or their address is banned: the socket watches read-only. */
  ban?: BanNotice;
  /** A guest session issued in this handshake: handed to the client once, in its welcome. */
  newSessionToken?: string;
}

/** The Socket.IO room every player of a canvas joins; the writer broadcasts to it. */
export function canvasRoom(canvasId: string): string {
  return `canvas:${canvasId}`;
}

/** The Socket.IO room of one user's sockets on every gateway: a ban disconnects them all. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

/**
 * The Socket.IO room of every socket whose address a prefix covers (`10.0.0.0/16`), on every
 * gateway: each socket joins one per covering ban prefix, so an address ban disconnects them all.
 */
export function addressRoom(prefix: string): string {
  return `address:${prefix}`;
}
