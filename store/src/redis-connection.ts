import type { Cluster, Redis } from 'ioredis';

/**
 * The client every store function takes: a standalone or Sentinel-managed `Redis`, or a
 * `Cluster`. Either works because each call touches the keys of one canvas only, and they all
 * share its `{canvasId}` hash tag, so Cluster routes the whole call to one shard.
 */
export type RedisConnection = Redis | Cluster;
