import { Controller, Headers, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { GitHubWebhooksService, type WebhookOutcome } from './github-webhooks.service';

/**
 * GitHub's webhook. No bearer token (the API token guard lets this path through): GitHub signs each delivery
 * with `X-Hub-Signature-256` instead. Left out of `/docs`, which describes the API people call.
 */
@ApiExcludeController()
@Controller('webhooks/github')
export class GitHubWebhooksController {
  constructor(private readonly webhooks: GitHubWebhooksService) {}

  @Post()
  async receive(
    @Req() request: RawBodyRequest<Request>,
    @Res({ passthrough: true }) response: Response,
    @Headers('x-github-event') event: string | undefined,
    @Headers('x-github-delivery') deliveryId: string | undefined,
    @Headers('x-hub-signature-256') signature: string | undefined,
  ): Promise<WebhookOutcome['body']> {
    const outcome = await this.webhooks.receive({
      event,
      deliveryId,
      signature,
      rawBody: request.rawBody,
      payload: request.body as unknown,
    });
    response.status(outcome.status);
    return outcome.body;
  }
}
