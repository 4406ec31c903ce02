import { CLIENT_CONFIG_PATH, type ClientConfig } from '@tessera/protocol';
import { Router } from 'express';
import type { SignInConfig } from './config.js';

/**
 * `GET /api/client-config`: the identity provider the web client signs in with and whether guests
 * may play. Public by nature (a public client's id and its issuer); cached briefly, since it
 * changes only with a redeploy.
 */
export function createClientConfigRoutes(deps: { signIn: SignInConfig | undefined; guestsAllowed: boolean }): Router {
  const body: ClientConfig = {
    signIn: deps.signIn ? { issuer: deps.signIn.issuer, clientId: deps.signIn.clientId, scope: deps.signIn.scope } : null,
    guests: deps.guestsAllowed,
  };
  const router = Router();
  router.get(CLIENT_CONFIG_PATH, (_request, response) => {
    response.set('cache-control', 'public, max-age=60').json(body);
  });
  return router;
}
