import type { RevertRequest } from '@tessera/protocol';
import type { AdminHandler } from './admin-router.js';
import type { ModerationOperations } from './moderation-operations.js';

type Route = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, handler: AdminHandler) => void;

/** Default length of the top-placers list. */
const DEFAULT_TOP_PLACERS = 20;

/** The moderation endpoints, on the admin router's `route` (authentication, limits and validation included). */
export function moderationRoutes(route: Route, moderation: ModerationOperations): void {
  route('get', '/pixels/{x}/{y}', async ({ params }) => moderation.pixel(Number(params.x), Number(params.y)));
  route('get', '/users/{userId}', async ({ params }) => moderation.user(params.userId!));
  route('get', '/top-placers', async ({ query }) =>
    moderation.topPlacers(query.since as number | undefined, (query.limit as number | undefined) ?? DEFAULT_TOP_PLACERS),
  );
  route('post', '/revert/preview', async ({ body }) => moderation.revertPreview(body as RevertRequest));
  route('post', '/revert', async ({ admin, body }) => moderation.revert(admin, body as RevertRequest));
}
