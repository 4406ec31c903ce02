import type { RedisConnection } from '@tessera/store';

/** The oldest Redis the scripts run on: cooldowns expire with SET PXAT (6.2) and are read with PEXPIRETIME (7.0). */
export const MIN_REDIS_VERSION = { major: 7, minor: 0 } as const;

/** What is wrong with the server an `INFO server` answer describes, or undefined (new enough, or it does not say). */
export function redisVersionProblem(info: string): string | undefined {
  const match = /^redis_version:(\d+)\.(\d+)\S*/m.exec(info);
  if (!match) return undefined;
  const [version, major, minor] = [match[0].slice('redis_version:'.length), Number(match[1]), Number(match[2])];
  const { major: needMajor, minor: needMinor } = MIN_REDIS_VERSION;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `Redis ${version} is older than ${String(needMajor)}.${String(needMinor)}, which Tessera needs (SET PXAT, PEXPIRETIME): upgrade it (Valkey 7.2 or later works too)`;
}

/** Refuses to go on against a Redis too old for the scripts, rather than failing at the first placement. */
export async function requireRedisVersion(client: RedisConnection): Promise<void> {
  const problem = redisVersionProblem(await client.info('server'));
  if (problem) throw new Error(problem);
}
