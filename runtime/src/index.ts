export * from './env-reader.js';
export * from './common-config.js';
export * from './logger.js';
export * from './redis-client.js';
export * from './metrics.js';
export * from './probe-server.js';
export * from './shutdown.js';
export * from './room-emitter.js';
