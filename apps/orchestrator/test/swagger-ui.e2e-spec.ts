import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { repoRoot } from '../../../test/support/local-stack';
import { startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

// Debian's chromium (`apt-get install -y chromium`), driven by playwright-core: no browser download.
const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const skipReason = hasChromium ? '' : ` [SKIPPED: ${chromiumPath} not found; apt-get install -y chromium]`;
const outputDir = join(repoRoot, 'test-output');

const httpMethods = ['get', 'post', 'put', 'patch', 'delete'] as const;

(hasChromium ? describe : describe.skip)(`Swagger UI at /docs in headless Chromium${skipReason}`, () => {
  let sc: OrchestratorStack;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    sc = await startOrchestratorStack();
    userDataDir = mkdtempSync(join(tmpdir(), 'sc-chromium-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 1600 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${sc.orchestrator.url}/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 30_000 });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await sc?.close();
  });

  it('documents the answers of the main routes with their schemas', async () => {
    const document = (await sc.call('GET', '/docs-json')).body;
    const schemaOf = (path: string, method: string, status: string) =>
      document.paths[path][method].responses[status]?.content?.['application/json']?.schema;
    expect(schemaOf('/workorders', 'post', '200')).toEqual({ $ref: '#/components/schemas/SubmitWorkOrderResponseDto' });
    expect(schemaOf('/workorders', 'post', '400')).toEqual({ $ref: '#/components/schemas/ErrorBodyDto' });
    expect(schemaOf('/rounds', 'get', '200')).toEqual({ $ref: '#/components/schemas/RoundPageDto' });
    expect(schemaOf('/rounds/{id}', 'get', '200')).toEqual({ $ref: '#/components/schemas/RoundViewDto' });
    expect(schemaOf('/rounds/{id}', 'get', '404')).toEqual({ $ref: '#/components/schemas/ErrorBodyDto' });
    expect(schemaOf('/rounds/{id}/cancel', 'post', '409')).toEqual({ $ref: '#/components/schemas/ErrorBodyDto' });
    expect(schemaOf('/reports/{id}', 'get', '200')).toEqual({ $ref: '#/components/schemas/Report' });
    const components = document.components.schemas;
    expect(components.RoundViewDto.required).toEqual(expect.arrayContaining(['id', 'state', 'transitions', 'commits']));
    expect(components.RoundViewDto.properties.transitions).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/RoundTransitionViewDto' },
      description: 'Oldest first',
    });
    expect(components.ErrorBodyDto.required).toEqual(['statusCode', 'error', 'message']);
  });

  it('shows every operation of the OpenAPI document', async () => {
    const document = (await sc.call('GET', '/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      httpMethods.filter((method) => method in item).map((method) => ({ method, path })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(11);
    for (const { method, path } of operations) {
      const shown = page.locator(`.opblock-${method} .opblock-summary-path[data-path="${path}"]`);
      expect({ method, path, shown: await shown.count() }).toEqual({ method, path, shown: 1 });
    }
  });

  it('submits POST /workorders through "Try it out" with the example body and shows the 200 answer', async () => {
    const operation = page
      .locator('.opblock-post')
      .filter({ has: page.locator('.opblock-summary-path[data-path="/workorders"]') });
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    const body = operation.locator('textarea.body-param__text');
    await body.waitFor();
    expect(JSON.parse(await body.inputValue())).toMatchObject({ title: 'Say hello', plugin: 'echo' });
    await operation.getByRole('button', { name: 'Execute' }).click();

    const status = operation.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: 15_000 });
    expect((await status.innerText()).trim()).toBe('200');
    const answer = JSON.parse(
      await operation
        .locator('.live-responses-table tr.response .response-col_description .microlight')
        .first()
        .innerText(),
    ) as Record<string, unknown>;
    expect(answer).toEqual({ workorder_id: expect.any(String), round_id: expect.any(String), status: 'queued' });
    expect((await sc.call('GET', `/rounds/${String(answer.round_id)}`)).body).toMatchObject({
      state: 'queued',
      plugin: 'echo',
    });

    // The operation with its request and the live answer, and the page as a reader first sees it.
    mkdirSync(outputDir, { recursive: true });
    await operation.screenshot({ path: join(outputDir, 'swagger-ui-submit.png') });
    // A string: it runs in the page, and the tests compile without the DOM's types.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(outputDir, 'swagger-ui.png') });
    expect(existsSync(join(outputDir, 'swagger-ui-submit.png')) && existsSync(join(outputDir, 'swagger-ui.png'))).toBe(
      true,
    );
  });
});
