import { canvasKeys, type OfficialTemplate } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';

/** The official templates of a canvas, in id order; an entry that does not parse is skipped. */
export async function listOfficialTemplates(redis: RedisConnection, canvasId: string): Promise<OfficialTemplate[]> {
  const raw = await redis.hgetall(canvasKeys(canvasId).templates);
  const templates: OfficialTemplate[] = [];
  for (const [id, value] of Object.entries(raw)) {
    try {
      const parsed = JSON.parse(value) as Partial<Record<keyof OfficialTemplate, unknown>>;
      templates.push({ id, name: String(parsed.name), url: String(parsed.url), x: Number(parsed.x), y: Number(parsed.y), scale: Number(parsed.scale) });
    } catch {
      // written by hand or by a newer release: not served rather than served broken
    }
  }
  return templates.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function countOfficialTemplates(redis: RedisConnection, canvasId: string): Promise<number> {
  return redis.hlen(canvasKeys(canvasId).templates);
}

/** Pins (or replaces) one official template; true when it replaced one with the same id. */
export async function pinOfficialTemplate(redis: RedisConnection, canvasId: string, template: OfficialTemplate): Promise<boolean> {
  const { id, ...fields } = template;
  const added = await redis.hset(canvasKeys(canvasId).templates, id, JSON.stringify(fields));
  return added === 0;
}

/** Unpins one; false when there was none with that id. */
export async function unpinOfficialTemplate(redis: RedisConnection, canvasId: string, id: string): Promise<boolean> {
  return (await redis.hdel(canvasKeys(canvasId).templates, id)) === 1;
}
