export * from './logging/json-lines-logger';
