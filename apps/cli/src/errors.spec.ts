import { Errors } from '@oclif/core';
import { ApiError, ApiUnreachableError, describeError, ExitCode, FailureError, UsageError } from './errors';

describe(describeError.name, () => {
  it('prints an API 400 as one line with every failing path, exit 2', () => {
    const error = new ApiError(
      {
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid work-order',
        details: [
          { path: '/title', message: 'is required' },
          { path: '/budget/max_tokens', message: 'must be >= 1' },
        ],
      },
      'POST /workorders',
    );
    const outcome = describeError(error);
    expect(outcome.line).toBe(
      'POST /workorders → 400 invalid work-order: /title: is required; /budget/max_tokens: must be >= 1',
    );
    expect(outcome.exitCode).toBe(ExitCode.Usage);
    expect(outcome.json.error).toMatchObject({
      exit_code: 2,
      status_code: 400,
      details: [{ path: '/title' }, { path: '/budget/max_tokens' }],
    });
  });

  it('treats an unknown id (404) as bad input, exit 2', () => {
    const error = new ApiError(
      { statusCode: 404, error: 'Not Found', message: 'round r1 not found' },
      'GET /rounds/r1',
    );
    expect(describeError(error)).toMatchObject({
      line: 'GET /rounds/r1 → 404 round r1 not found',
      exitCode: ExitCode.Usage,
    });
  });

  it('treats a refused transition (409) as failed work, exit 1', () => {
    const error = new ApiError(
      { statusCode: 409, error: 'Conflict', message: 'illegal transition succeeded → cancelled' },
      'POST /rounds/r1/cancel',
    );
    expect(describeError(error).exitCode).toBe(ExitCode.Failed);
  });

  it('hints at SC_API_TOKEN on a 401', () => {
    const error = new ApiError(
      { statusCode: 401, error: 'Unauthorized', message: 'missing bearer token' },
      'GET /rounds',
    );
    expect(describeError(error)).toMatchObject({
      line: 'GET /rounds → 401 missing bearer token (set SC_API_TOKEN)',
      exitCode: ExitCode.Usage,
    });
  });

  it('says which URL could not be reached, exit 1', () => {
    const outcome = describeError(new ApiUnreachableError('http://127.0.0.1:9', 'connection refused'));
    expect(outcome).toMatchObject({
      line: 'cannot reach the orchestrator at http://127.0.0.1:9: connection refused',
      exitCode: ExitCode.Failed,
    });
  });

  it('folds an oclif parse error onto one line and keeps its exit code 2', () => {
    const error = new Errors.CLIError('Missing 1 required arg:\nfile  work-order file\nSee more help with --help');
    expect(describeError(error)).toMatchObject({
      line: 'Missing 1 required arg: file work-order file See more help with --help',
      exitCode: ExitCode.Usage,
    });
  });

  it('maps our own usage and failure errors to 2 and 1', () => {
    expect(describeError(new UsageError('bad file')).exitCode).toBe(ExitCode.Usage);
    expect(describeError(new FailureError('git commit failed')).exitCode).toBe(ExitCode.Failed);
  });

  it('maps any other error to exit 1 with its message', () => {
    expect(describeError(new TypeError('boom'))).toMatchObject({ line: 'boom', exitCode: ExitCode.Failed });
    expect(describeError('plain string')).toMatchObject({ line: 'plain string', exitCode: ExitCode.Failed });
  });
});
