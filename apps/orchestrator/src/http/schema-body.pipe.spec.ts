import { validateWorkOrder } from '@sc/schemas';
import { SchemaBodyPipe } from './schema-body.pipe';
import { ValidationException } from './validation.exception';

describe(SchemaBodyPipe.name, () => {
  const pipe = new SchemaBodyPipe('work-order', validateWorkOrder);

  it('hands on the valid body with its defaults', () => {
    expect(pipe.transform({ title: 'T', instructions: 'I' })).toMatchObject({ title: 'T', instructions: 'I', plugin: 'echo', priority: 5 });
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

  it('refuses a missing body as a 400, not a crash', () => {
    expect(() => pipe.transform(undefined)).toThrow(ValidationException);
  });
});
