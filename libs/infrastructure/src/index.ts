export * from './env/env-reader';
export * from './env/s3-settings';
export * from './logging/json-lines-logger';
export * from './process/start-process';
export * from './process/stop-on-signals';
export * from './redis/redis-connection';
export * from './redis/redis-credentials';
export * from './redis/redis-error-log';
