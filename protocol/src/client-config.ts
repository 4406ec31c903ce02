/** `GET /api/client-config`: what the web client needs to know before it connects. */
export const CLIENT_CONFIG_PATH = '/api/client-config';

export interface ClientConfig {
  /** The OpenID Connect provider players sign in with; null when sign-in is not configured. */
  readonly signIn: SignInSettings | null;
  /** False when the canvas admits signed-in players only (handshakes without a token: SIGN_IN_REQUIRED). */
  readonly guests: boolean;
}

export interface SignInSettings {
  /** Issuer URL; the client discovers its endpoints from `/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** The public client's id (the audience of the id tokens the gateway accepts). */
  readonly clientId: string;
  /** Space-separated scopes to request, `openid` first. */
  readonly scope: string;
}
