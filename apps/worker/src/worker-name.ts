import { hostname } from 'node:os';

/** Who this worker process is (`<hostname>:<pid>`): the Reports' `worker`, its heartbeat's name. */
export const workerName = `${hostname()}:${process.pid}`;
