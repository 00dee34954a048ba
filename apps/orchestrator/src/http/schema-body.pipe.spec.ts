import { validateWorkOrder } from '@sc/schemas';
import { SchemaBodyPipe } from './schema-body.pipe';
import { ValidationException } from './validation.exception';

describe(SchemaBodyPipe.name, () => {
  const pipe = new SchemaBodyPipe('work-order', validateWorkOrder);

  it('hands on the valid body with its defaults', () => {
    expect(pipe.transform({ title: 'T', instructions: 'I' })).toMatchObject({
      title: 'T',
      instructions: 'I',
      plugin: 'echo',
      priority: 5,
    });
  });

  it('throws a 400 listing every failing JSON path', () => {
    try {
      pipe.transform({ title: 1, priority: 0, extra: true });
      throw new Error('expected a ValidationException');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationException);
      const response = (error as ValidationException).getResponse() as { message: string; details: { path: string }[] };
      expect((error as ValidationException).getStatus()).toBe(400);
      expect(response.details.map((d) => d.path).sort()).toEqual(['/extra', '/instructions', '/priority', '/title']);
      expect(response.message).toMatch(/^invalid work-order: /);
    }
  });

  it('refuses NUL characters in any string or key, on every database alike', () => {
    try {
      pipe.transform({ title: 'a\u0000b', instructions: 'I', params: { 'k\u0000': ['\u0000'] } });
      throw new Error('expected a ValidationException');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationException);
      expect(((error as ValidationException).getResponse() as { details: unknown }).details).toEqual([
        { path: '/title', message: 'must not contain the NUL character (U+0000)' },
        { path: '/params/k\u0000', message: 'name must not contain the NUL character (U+0000)' },
        { path: '/params/k\u0000/0', message: 'must not contain the NUL character (U+0000)' },
      ]);
    }
  });

  it('refuses a lone UTF-16 surrogate in any string or key, and takes a surrogate pair', () => {
    expect(pipe.transform({ title: 'T \ud83d\ude00', instructions: 'I' }).title).toBe('T 😀');
    try {
      pipe.transform({ title: '\ud800', instructions: 'I', params: { 'k\udfff': ['ok', 'x\udbff'] } });
      throw new Error('expected a ValidationException');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationException);
      const message = 'must not contain a lone UTF-16 surrogate (U+D800–U+DFFF)';
      expect(((error as ValidationException).getResponse() as { details: unknown }).details).toEqual([
        { path: '/title', message },
        { path: '/params/k\udfff', message: `name ${message}` },
        { path: '/params/k\udfff/1', message },
      ]);
    }
  });

  it('refuses a body nested deeper than 64 levels, however deep, as a 400', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 200_000; level++) deep = [deep];
    expect(() => pipe.transform({ title: 'T', instructions: 'I', params: { deep } })).toThrow(ValidationException);
  });

  it('refuses a missing body as a 400, not a crash', () => {
    expect(() => pipe.transform(undefined)).toThrow(ValidationException);
  });
});
