import { ListRoundsQueryDto } from '../rounds/list-rounds.query.dto';
import { queryValidationPipe } from './query-validation.pipe';
import { ValidationException } from './validation.exception';

describe('queryValidationPipe', () => {
  const validate = (query: Record<string, unknown>) =>
    queryValidationPipe.transform(query, { type: 'query', metatype: ListRoundsQueryDto });

  async function detailsOf(query: Record<string, unknown>): Promise<unknown> {
    const error = await validate(query).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ValidationException);
    return ((error as ValidationException).getResponse() as { details: unknown }).details;
  }

  it('converts and hands on a valid query', async () => {
    await expect(validate({ limit: '20', status: 'queued' })).resolves.toEqual(
      Object.assign(new ListRoundsQueryDto(), { limit: 20, status: 'queued' }),
    );
  });

  it('lists each problem by parameter, without repeating its name', async () => {
    expect(await detailsOf({ limit: '500' })).toEqual([{ path: '/limit', message: 'must not be greater than 200' }]);
  });

  it.each(['[', '(', '*', 'a+?', '\\'])('refuses an unknown parameter named %j as a 400, not a crash', async (name) => {
    expect(await detailsOf({ [name]: '' })).toEqual([
      { path: `/${name}`, message: expect.stringContaining('should not exist') },
    ]);
  });
});
