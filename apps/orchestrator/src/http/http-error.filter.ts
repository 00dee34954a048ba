import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { IllegalTransitionError, type ErrorBody, type ValidationIssue } from '@sc/schemas';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';

// body-parser marks its errors with a `type`; these are the client's fault, never a 500.
const bodyParserStatus: Readonly<Record<string, number>> = {
  'entity.too.large': HttpStatus.PAYLOAD_TOO_LARGE,
  'entity.parse.failed': HttpStatus.BAD_REQUEST,
  'encoding.unsupported': HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  'charset.unsupported': HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  'request.aborted': HttpStatus.BAD_REQUEST,
  'request.size.invalid': HttpStatus.BAD_REQUEST,
};

const bodyParserMessage: Readonly<Record<string, string>> = {
  'entity.too.large': 'request body is larger than 1 MiB',
  'entity.parse.failed': 'request body is not valid JSON',
};

/**
 * Turns every error into `{ statusCode, error, message, details? }`. An error nobody mapped is a bug: it
 * answers 500 with a generic message and its stack goes to the log, never to the client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toErrorBody(exception);
    if (response.headersSent) {
      // A streamed answer (SSE) already started: all that is left is to end it.
      response.end();
      return;
    }
    response.status(body.statusCode).json(body);
  }

  /** The error answer for `exception`. */
  toErrorBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (exception instanceof IllegalTransitionError) return errorBody(HttpStatus.CONFLICT, exception.message);
    const parserStatus = bodyParserStatus[(exception as { type?: string } | null)?.type ?? ''];
    if (parserStatus) {
      const type = (exception as { type: string }).type;
      return errorBody(parserStatus, bodyParserMessage[type] ?? (exception as Error).message);
    }
    if (isDecompressionError(exception))
      return errorBody(
        HttpStatus.BAD_REQUEST,
        `request body does not decompress as its Content-Encoding says: ${exception.message}`,
      );
    this.logger.error({ err: exception }, 'unhandled error');
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'internal server error');
  }
}

/**
 * A body that does not decompress as its `Content-Encoding` says (gzip, deflate, br): body-parser passes zlib's
 * own error on with status 400 but without a `type`; zlib's errors are the ones with a numeric `errno`.
 */
function isDecompressionError(exception: unknown): exception is { message: string } {
  // Duck-typed, not `instanceof Error`: zlib's errors may come from another realm (jest's sandbox does that).
  const error = exception as { status?: unknown; errno?: unknown; message?: unknown } | null;
  return (
    error?.status === HttpStatus.BAD_REQUEST && typeof error.errno === 'number' && typeof error.message === 'string'
  );
}

function fromHttpException(exception: HttpException): ErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'string') return errorBody(statusCode, response);
  const { message, details } = response as { message?: unknown; details?: ValidationIssue[] };
  // Nest's own exceptions may carry a list of messages (e.g. from its ValidationPipe); one line reads better.
  const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
  return errorBody(statusCode, text, details);
}

function errorBody(statusCode: number, message: string, details?: ValidationIssue[]): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(details ? { details } : {}) };
}
