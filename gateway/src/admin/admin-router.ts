import { ADMIN_API_BASE, AdminErrorCode, type AdminIdentity } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { AdminAuthenticator } from './admin-auth.js';
import { AdminFailure, type AdminOperations } from './admin-operations.js';
import { ADMIN_REQUEST_BODIES, documentedRequestBody, type RequestBodyOf } from './admin-request-bodies.js';
import type { AdminRateLimiter } from './admin-rate-limit.js';
import type { StatsOperations } from './stats-operations.js';
import type { HistoryJobsOperations } from './history-jobs-operations.js';
import { check, createAdminValidators } from './admin-validation.js';
import { ADMIN_OPENAPI } from './openapi.js';
import type { RulesOperations } from './rules-operations.js';
import type { TemplateOperations } from './template-operations.js';
import type { ModerationOperations } from './moderation-operations.js';

/** Largest admin request body (a full 256-colour palette is ~6 kB). */
const MAX_BODY = '32kb';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Default length of the top-placers list. */
const DEFAULT_TOP_PLACERS = 20;

/** An operation's handler; `Body` is what its request schema admits (see admin-request-bodies.ts). */
export type AdminHandler<Body = unknown> = (call: {
  admin: AdminIdentity;
  body: Body;
  query: Record<string, unknown>;
  params: Record<string, string>;
}) => Promise<unknown>;

/**
 * `/api/admin/*`: the OpenAPI document (public), then for everything else authentication,
 * the per-credential rate limit, strict validation against the document, and the operation.
 * Every answer is JSON and never cached; internal errors never reach the caller.
 */
export function createAdminRouter(deps: {
  operations: AdminOperations;
  templates: TemplateOperations;
  rules: RulesOperations;
  /** Pixel owners, per-user views, top placers, reverts (moderation-operations.ts). */
  moderation?: ModerationOperations;
  auth: AdminAuthenticator;
  limiter: AdminRateLimiter;
  log: Logger;
  /** Whether Redis answers now: a request that failed while it does not is a 503, not a 500. */
  redisReady?: () => boolean;
  /** The event's numbers (GET /stats). */
  stats?: StatsOperations;
  /** Timelapses, heatmaps and datasets (history-jobs-operations.ts). */
  historyJobs?: HistoryJobsOperations;
}): Router {
  const { operations, log } = deps;
  const validators = createAdminValidators(ADMIN_OPENAPI);
  const router = Router();
  const admins = new WeakMap<Request, AdminIdentity>();

  router.get(`${ADMIN_API_BASE}/openapi.json`, (_request, response) => {
    response.set('cache-control', 'no-cache').json(ADMIN_OPENAPI);
  });

  router.use(ADMIN_API_BASE, async (request, response, next) => {
    response.set('cache-control', 'no-store');
    const result = await deps.auth.authenticate(request.get('authorization'));
    // Refused callers are limited per address, so guessing costs as much as using.
    const limited = deps.limiter.take(result.ok ? `admin:${result.admin.name}` : `ip:${request.ip ?? 'unknown'}`);
    if (!limited.ok) {
      response.set('retry-after', String(limited.retryAfterSeconds));
      return void send(response, 429, { error: AdminErrorCode.RateLimited, message: `retry in ${limited.retryAfterSeconds} s` });
    }
    if (!result.ok) {
      if (result.status === 401) response.set('www-authenticate', 'Bearer realm="tessera-admin"');
      return void send(response, result.status, {
        error: result.status === 401 ? AdminErrorCode.Unauthorized : AdminErrorCode.Forbidden,
        message: result.status === 401 ? 'an admin credential is required' : 'this credential does not carry the admin role',
      });
    }
    admins.set(request, result.admin);
    next();
  });
  router.use(ADMIN_API_BASE, express.json({ limit: MAX_BODY, strict: true }));

  function route<M extends Method, P extends string>(method: M, path: P, handler: AdminHandler<RequestBodyOf<`${Uppercase<M>} ${P}`>>): void {
    const key = `${method.toUpperCase()} ${path}`;
    const validator = validators.get(key);
    if (!validator) throw new Error(`the OpenAPI document lacks ${key}`);
    const typed = (ADMIN_REQUEST_BODIES as Record<string, string>)[key];
    const documented = documentedRequestBody(ADMIN_OPENAPI, method, path);
    if (typed !== undefined && typed !== documented)
      throw new Error(`${key}: the handler is typed for ${typed}, the OpenAPI document validates ${documented ?? 'no body'}`);
    router[method](`${ADMIN_API_BASE}${path.replace(/\{(\w+)\}/g, ':$1')}`, async (request: Request, response: Response) => {
      const admin = admins.get(request);
      if (!admin) return void send(response, 401, { error: AdminErrorCode.Unauthorized });
      const params = { ...(request.params as Record<string, string>) };
      const query: Record<string, unknown> = { ...(request.query as Record<string, unknown>) };
      const body: unknown = request.body;
      for (const [part, data] of [
        ['path', params],
        ['query', query],
        ['body', validator.body ? body : undefined],
      ] as const) {
        const checked = check(validator[part], data);
        if (!checked.ok) {
          return void send(response, 400, { error: AdminErrorCode.InvalidPayload, field: checked.invalid.field, message: checked.invalid.message });
        }
      }
      try {
        // Validated against the operation's schema above: it is the type the handler declares.
        send(response, 200, await handler({ admin, body: body as RequestBodyOf<`${Uppercase<M>} ${P}`>, query, params }));
      } catch (error) {
        if (error instanceof AdminFailure) {
          return void send(response, error.status, {
            error: error.code,
            message: error.message,
            ...(error.field === undefined ? {} : { field: error.field }),
          });
        }
        if (deps.redisReady && !deps.redisReady()) {
          log.warn({ err: error instanceof Error ? error.message : String(error), path, admin: admin.name }, 'admin request failed: Redis unavailable');
          return void send(response, 503, { error: AdminErrorCode.CanvasUnavailable, message: 'the canvas store is unreachable; try again in a moment' });
        }
        log.error({ err: error, path, admin: admin.name }, 'admin request failed');
        send(response, 500, { error: AdminErrorCode.Internal });
      }
    });
  }

  route('get', '/whoami', ({ admin }) => Promise.resolve(admin));
  route('get', '/config', async () => operations.config());
  route('get', '/palette', async () => operations.palette());
  route('patch', '/palette', async ({ admin, body }) => operations.recolor(admin, body));
  route('post', '/palette/colors', async ({ admin, body }) => operations.addColors(admin, body));
  route('post', '/palette/remove', async ({ admin, body }) => operations.removeColors(admin, body));
  route('put', '/size', async ({ admin, body }) => operations.resize(admin, body));
  route('put', '/cooldown', async ({ admin, body }) => operations.setCooldown(admin, body));
  route('put', '/paused', async ({ admin, body }) => operations.setPaused(admin, body));
  route('put', '/challenge', async ({ admin, body }) => operations.setChallenge(admin, body));
  route('put', '/history-viewer', async ({ admin, body }) => operations.setHistoryViewer(admin, body));
  route('get', '/bans', async () => operations.listBans());
  route('put', '/bans/{userId}', async ({ admin, body, params }) => operations.ban(admin, params.userId!, body));
  route('delete', '/bans/{userId}', async ({ admin, params }) => operations.unban(admin, params.userId!));
  route('get', '/address-bans', async () => operations.listAddressBans());
  route('put', '/address-bans', async ({ admin, body }) => operations.banAddress(admin, body));
  route('delete', '/address-bans', async ({ admin, query }) => operations.unbanAddress(admin, query.address as string));
  route('post', '/rollback/erase', async ({ admin, body }) => operations.erase(admin, body));
  route('post', '/rollback/restore', async ({ admin, body }) => operations.restoreRegion(admin, body));
  route('get', '/snapshots', async () => operations.listSnapshots());
  route('post', '/snapshots', async ({ admin }) => operations.takeSnapshot(admin));
  route('post', '/snapshots/restore', async ({ admin, body }) => operations.restoreSnapshot(admin, body.key));
  route('get', '/templates', async () => deps.templates.list());
  route('put', '/templates/{templateId}', async ({ admin, body, params }) => deps.templates.pin(admin, params.templateId!, body));
  route('delete', '/templates/{templateId}', async ({ admin, params }) => deps.templates.unpin(admin, params.templateId!));
  route('get', '/rules', async () => deps.rules.read());
  route('put', '/rules', async ({ admin, body }) => deps.rules.write(admin, body));
  route('get', '/audit', async ({ query }) => operations.audit((query.limit as number | undefined) ?? 50, query.before as string | undefined));
  if (deps.stats) route('get', '/stats', async () => deps.stats!.stats());
  route('put', '/owner-lookup', async ({ admin, body }) => operations.setOwnerLookup(admin, body));
  const moderation = deps.moderation;
  if (moderation) {
    route('get', '/pixels/{x}/{y}', async ({ params }) => moderation.pixel(Number(params.x), Number(params.y)));
    route('get', '/users/{userId}', async ({ params }) => moderation.user(params.userId!));
    route('get', '/top-placers', async ({ query }) =>
      moderation.topPlacers(query.since as number | undefined, (query.limit as number | undefined) ?? DEFAULT_TOP_PLACERS),
    );
    route('post', '/revert/preview', async ({ body }) => moderation.revertPreview(body));
    route('post', '/revert', async ({ admin, body }) => moderation.revert(admin, body));
  }
  const history = deps.historyJobs;
  if (history) {
    route('post', '/history-jobs', async ({ admin, body }) => history.start(admin, body));
    route('get', '/history-jobs', async ({ query }) => history.list((query.limit as number | undefined) ?? 50));
    route('get', '/history-jobs/{id}', async ({ params }) => history.get(params.id!));
    route('get', '/history-jobs/{id}/link', async ({ params }) => history.link(params.id!));
  }
  route('put', '/datasets-public', async ({ admin, body }) => operations.setDatasetsPublic(admin, body));

  router.use(ADMIN_API_BASE, (_request, response) => send(response, 404, { error: AdminErrorCode.NotFound, message: 'no such admin endpoint' }));
  const onError: ErrorRequestHandler = (error: unknown, _request, response, next) => {
    const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
    if (type === 'entity.parse.failed') return void send(response, 400, { error: AdminErrorCode.InvalidPayload, field: 'body', message: 'is not valid JSON' });
    if (type === 'entity.too.large')
      return void send(response, 400, { error: AdminErrorCode.InvalidPayload, field: 'body', message: `is larger than ${MAX_BODY}` });
    if (type !== undefined) return void send(response, 400, { error: AdminErrorCode.InvalidPayload, field: 'body', message: 'could not be read' });
    next(error);
  };
  router.use(ADMIN_API_BASE, onError);
  return router;
}

function send(response: Response, status: number, body: unknown): void {
  response.status(status).json(body);
}
