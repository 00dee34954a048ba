import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';

/**
 * Routes anyone may call: probes and metrics hold no data; GitHub's webhook is signed instead
 * (`X-Hub-Signature-256`, checked by the GitHub feature). (`/docs` and `/docs-json` are served by the
 * Swagger middleware, outside Nest's router, so no guard sees them.)
 */
const openPaths = new Set(['/health', '/metrics', '/webhooks/github']);

/** When `SC_API_TOKEN` is set, every other route needs `Authorization: Bearer <token>`; else 401. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(ORCHESTRATOR_CONFIG) config: OrchestratorConfig) {
    if (config.apiToken !== undefined) this.expected = digest(config.apiToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (openPaths.has(request.path)) return true;
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    // Comparing fixed-size digests keeps the time independent of the token's length and content.
    if (!match || !timingSafeEqual(digest(match[1]), this.expected))
      throw new UnauthorizedException('missing or wrong bearer token');
    return true;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
