import type { Plugin } from '@sc/plugin-sdk';

/** The hello plugin (see index.js). */
declare const hello: Plugin;
export = hello;
