import { ConflictException, Logger, NotFoundException } from '@nestjs/common';
import { IllegalTransitionError } from '@sc/schemas';
import { gunzipSync } from 'node:zlib';
import { HttpErrorFilter } from './http-error.filter';
import { ValidationException } from './validation.exception';

describe(HttpErrorFilter.name, () => {
  const filter = new HttpErrorFilter();

  it('keeps the message of Nest exceptions', () => {
    expect(filter.toErrorBody(new NotFoundException('round r1 not found'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'round r1 not found',
    });
    expect(filter.toErrorBody(new ConflictException())).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'Conflict',
    });
  });

  it('passes the details of a 400 through', () => {
    const details = [{ path: '/title', message: 'is required' }];
    expect(filter.toErrorBody(new ValidationException('work-order', details))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid work-order: /title: is required',
      details,
    });
  });

  it('turns an illegal transition into 409', () => {
    expect(filter.toErrorBody(new IllegalTransitionError('queued', 'queued'))).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'illegal transition queued → queued',
    });
  });

  it.each([
    ['entity.too.large', 413, 'request body is larger than 1 MiB'],
    ['entity.parse.failed', 400, 'request body is not valid JSON'],
  ])('maps the body-parser error %s to %i', (type, statusCode, message) => {
    const error = Object.assign(new Error('raw'), { type, status: statusCode });
    expect(filter.toErrorBody(error)).toMatchObject({ statusCode, message });
  });

  it("answers 400 for a body that does not decompress (zlib's error as body-parser passes it on)", () => {
    let zlibError: unknown;
    try {
      gunzipSync(Buffer.from('{"not":"gzip"}'));
    } catch (error) {
      zlibError = Object.assign(error as Error, { status: 400, statusCode: 400, expose: true });
    }
    expect(filter.toErrorBody(zlibError)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'request body does not decompress as its Content-Encoding says: incorrect header check',
    });
  });

  it('answers anything else with a generic 500 and logs it', () => {
    const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      expect(filter.toErrorBody(new TypeError('secret detail'))).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'internal server error',
      });
      expect(log).toHaveBeenCalledTimes(1);
    } finally {
      log.mockRestore();
    }
  });
});
