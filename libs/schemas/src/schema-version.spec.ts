import { ReportSchemaVersion, WorkOrderSchemaVersion } from './schema-version';
import { reportSchema, workOrderSchema } from './validate';

const defaultVersion = (schema: Record<string, unknown>) =>
  (schema.properties as { schema_version: { default: string } }).schema_version.default;

describe('schema versions', () => {
  it('are the defaults of the schemas they name', () => {
    expect(WorkOrderSchemaVersion).toBe(defaultVersion(workOrderSchema));
    expect(ReportSchemaVersion).toBe(defaultVersion(reportSchema));
  });
});
