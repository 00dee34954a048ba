import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** This orchestrator process among its replicas: the holder named in a lease, the sender of a fan-out notice. */
export const replicaId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
