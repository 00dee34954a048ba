import { formatTable, type TableColumn } from './table-format';

const columns: TableColumn[] = [{ header: 'ID' }, { header: 'TITLE', minWidth: 8 }, { header: 'LABELS', dropOrder: 1 }];
const rows = [
  ['0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4b', 'Make the login page remember the user', 'frontend'],
  ['0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4c', 'Say hello', 'demo'],
];
const widest = (table: string) => Math.max(...table.split('\n').map((line) => [...line].length));

describe(formatTable.name, () => {
  it('prints every column whole, two spaces apart, when the width allows', async () => {
    const table = await formatTable(columns, rows, 200);
    expect(table.split('\n')).toEqual([
      'ID                                    TITLE                                  LABELS',
      '0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4b  Make the login page remember the user  frontend',
      '0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4c  Say hello                              demo',
    ]);
  });

  it('cuts the cuttable column to fit the width, ids whole', async () => {
    const table = await formatTable(columns, rows, 60);
    expect(widest(table)).toBeLessThanOrEqual(60);
    expect(table).toContain('0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4b  Make the lo…  frontend');
    expect(table).toContain('frontend');
  });

  it('leaves columns out by dropOrder when cutting is not enough', async () => {
    const table = await formatTable(columns, rows, 50);
    expect(widest(table)).toBeLessThanOrEqual(50);
    expect(table.split('\n')[0]).toBe('ID                                    TITLE');
    expect(table).not.toContain('frontend');
  });

  it('keeps each row on one line', async () => {
    expect((await formatTable([{ header: 'A' }], [['two\nlines']], 80)).split('\n')).toEqual(['A', 'two lines']);
  });
});
