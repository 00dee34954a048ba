import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { reportSchema, workOrderSchema } from '@sc/schemas';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Swagger UI at `/docs` and the OpenAPI 3.1 document at `/docs-json`, with the real JSON Schemas as
 * components and the bearer scheme declared so "Authorize" works for try-it-out.
 */
export function setupOpenApi(app: INestApplication): void {
  // The document is built on the first request for it, not at start: scanning every route's metadata took
  // 3-5 % of the orchestrator's start-up (bench/README.md), and most processes never serve it.
  SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Solar Circuit orchestrator')
    .setDescription('Work-orders in, Rounds run by workers, Reports out.')
    .setVersion('1')
    .setOpenAPIVersion('3.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'SC_API_TOKEN' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  registerSchema(document, 'WorkOrder', workOrderSchema);
  registerSchema(document, 'Report', reportSchema);
  return document;
}

/**
 * Adds a JSON Schema of `@sc/schemas` as component `name`. Its `$defs` become components `<name>.<def>`
 * and its `#/$defs/…` references point there, because inside an OpenAPI document `#` is the document.
 */
function registerSchema(document: OpenAPIObject, name: string, schema: Record<string, unknown>): void {
  const {
    $defs = {},
    $id: _id,
    $schema: _schema,
    ...body
  } = schema as { $defs?: Record<string, Json>; $id?: string; $schema?: string };
  const rewrite = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [
        key,
        key === '$ref' && typeof child === 'string'
          ? child.replace('#/$defs/', `#/components/schemas/${name}.`)
          : rewrite(child),
      ]),
    );
  };
  const schemas = ((document.components ??= {}).schemas ??= {});
  schemas[name] = rewrite(body) as object;
  for (const [defName, def] of Object.entries($defs)) schemas[`${name}.${defName}`] = rewrite(def) as object;
  // Named sub-schemas (a `title` on an item schema, like Report's CommitRef) get their own component too.
  const commitRef = (reportSchema.properties as { commits?: { items?: Json } } | undefined)?.commits?.items;
  if (name === 'Report' && commitRef) schemas['Report.CommitRef'] = rewrite(commitRef) as object;
}
