import { canvasKeys, type RulesText } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';

/** The rules players see; version 0 and no text before an admin wrote any. */
export async function readRulesText(redis: RedisConnection, canvasId: string): Promise<RulesText> {
  const [text, version] = await redis.hmget(canvasKeys(canvasId).rules, 'text', 'version');
  return { text: text ?? '', version: Number(version ?? 0) || 0 };
}

/** Replaces the rules text and bumps its version in one transaction. */
export async function writeRulesText(redis: RedisConnection, canvasId: string, text: string): Promise<RulesText> {
  const key = canvasKeys(canvasId).rules;
  const results = await redis.multi().hset(key, 'text', text).hincrby(key, 'version', 1).exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error('rules write was aborted');
  return { text, version: Number(results[1]?.[1]) };
}
