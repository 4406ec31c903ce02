import assert from 'node:assert/strict';
import { ErrorCode } from '@tessera/protocol';
import { createLogger, createRedisClient, waitForRedis } from '@tessera/runtime';
import { Redis, ReplyError } from 'ioredis';
import { getFreePort, useRedis } from '../../test-support/index.js';
// The package, as runtime imports it: the error runtime throws must be the class checked here.
import { OutcomeUnknownError, placementFailureCode } from '@tessera/store';

const log = createLogger('store-test', 'silent');

describe('what a player is told when a placement throws', () => {
  const server = useRedis();

  it('refuses only what Redis certainly did not run: an error reply, or a command ioredis never wrote', async () => {
    const plain = new Redis(server.url);
    const reply = await plain.call('NOSUCHCOMMAND').catch((error: unknown) => error);
    plain.disconnect();
    assert.ok(reply instanceof ReplyError);
    assert.equal(placementFailureCode(reply), ErrorCode.CanvasUnavailable);

    const offline = new Redis({ port: await getFreePort(), enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    const neverWritten = await offline.get('k').catch((error: unknown) => error);
    assert.equal(placementFailureCode(neverWritten), ErrorCode.CanvasUnavailable, String(neverWritten));
    offline.disconnect();
  });

  it('answers OUTCOME_UNKNOWN for a command the connection dropped under, and for anything unforeseen', async () => {
    const admin = new Redis(server.url);
    const client = createRedisClient({ url: server.url, sentinels: [] } as never, log, { name: 'store-unanswered', resendUnanswered: false });
    await waitForRedis(client, 5_000);
    // Written and never answered: a blocking pop, then the connection is killed under it.
    const blocked = client.blpop('nothing-here', 0).catch((error: unknown) => error);
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    const id = /(?:^|\n)id=(\d+) [^\n]*name=tessera-store-unanswered\b/.exec(list)?.[1];
    await admin.call('CLIENT', 'KILL', 'ID', id!);
    const error = await blocked;
    assert.ok(error instanceof OutcomeUnknownError, `settled with ${String(error)}`);
    assert.equal(placementFailureCode(error), ErrorCode.OutcomeUnknown);
    client.disconnect();
    admin.disconnect();

    for (const other of [
      new Error('Connection is closed.'),
      Object.assign(new Error('x'), { name: 'AbortError' }),
      Object.assign(new Error('y'), { name: 'MaxRetriesPerRequestError' }),
      'a string',
      undefined,
    ]) {
      assert.equal(placementFailureCode(other), ErrorCode.OutcomeUnknown, String(other));
    }
  });
});
