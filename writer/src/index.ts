export * from './config.js';
export * from './coalescer.js';
export * from './leader-lease.js';
export * from './delta-broadcaster.js';
export * from './metrics.js';
export * from './writer-loop.js';
export * from './user-activity.js';
export * from './delta-compression.js';
