/**
 * The work-order schema version this release writes (`schema_version` of `sc wo new`); any 1.x is read. It is the
 * schema's default, which validation fills in (schema-version.spec.ts keeps the two equal).
 */
export const WorkOrderSchemaVersion = '1.6';

/** The Report schema version this release writes: the report schema's default. */
export const ReportSchemaVersion = '1.4';
