export * from './lua-scripts.js';
export * from './canvas-config-store.js';
export * from './placement.js';
export * from './canvas-reader.js';
export * from './event-stream.js';
export * from './writer-lease.js';
export * from './writer-state.js';
export * from './event-page.js';
