export * from './ports.js';
export * from './redis.js';
export * from './s3.js';
export * from './wait.js';
export * from './built.js';
export * from './service-process.js';
export * from './random.js';
