import type { Logger } from '@tessera/runtime';

/** What the guarded client needs: a `publish` that returns a promise (ioredis Redis or Cluster). */
interface Publisher {
  publish(channel: string | Buffer, message: string | Buffer): Promise<unknown>;
}

/**
 * The pub client as the Socket.IO Redis adapter should see it: the same client, except that a
 * failed PUBLISH is counted and logged instead of rejecting. The adapter calls `publish` for every
 * room broadcast (config pushes, resyncs, bans, disconnectSockets) and drops the promise, and a
 * fail-fast client rejects at once while Redis is down: one broadcast during a blip would then be
 * an unhandled rejection, which ends a Node process. A broadcast that cannot reach Redis reaches
 * nobody on other gateways either way; the clients re-read the truth when they reconnect or sync.
 *
 * Everything else (events, PUBSUB NUMSUB, the constructor the adapter inspects to tell a Cluster)
 * is the client's own, bound to it.
 */
export function guardPublishes<T extends Publisher>(client: T, onFailure: (error: unknown) => void): T {
  const publish = (channel: string | Buffer, message: string | Buffer): Promise<unknown> => {
    let result: Promise<unknown>;
    try {
      result = client.publish(channel, message);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the thrown value passes on unchanged
      result = Promise.reject(error);
    }
    return result.catch((error: unknown) => {
      onFailure(error);
      return 0; // receivers: none that we know of
    });
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'publish') return publish;
      const value: unknown = Reflect.get(target, property);
      // Methods run on the real client (ioredis keeps state on `this`); the constructor stays
      // unbound so its name still tells the adapter whether this is a Cluster.
      return typeof value === 'function' && property !== 'constructor' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * An `onFailure` for {@link guardPublishes} that counts every failure and logs the first of each
 * outage (a broadcast per tick while Redis is down must not flood the log).
 */
export function publishFailureReporter(log: Logger, count: () => void): { onFailure: (error: unknown) => void; recovered: () => void } {
  let logged = false;
  return {
    onFailure(error) {
      count();
      if (logged) return;
      logged = true;
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'a broadcast could not be published (Redis unavailable): dropped');
    },
    recovered() {
      logged = false;
    },
  };
}
