import pl, { type DataFrame, type DataType } from 'nodejs-polars';

/**
 * The only module that touches nodejs-polars types: rows become DataFrames with explicit column
 * types (plain JS numbers would all become f64), and the rest of the analysis sees `Table`.
 */
export type Table = DataFrame<Record<string, DataType>>;

export type ColumnKind = 'i32' | 'f64' | 'bool' | 'str';
export type Cell = number | boolean | string | null;

export interface Column<R> {
  name: string;
  kind: ColumnKind;
  get: (row: R) => Cell;
}

function dtype(kind: ColumnKind): DataType {
  return kind === 'i32' ? pl.Int32 : kind === 'f64' ? pl.Float64 : kind === 'bool' ? pl.Bool : pl.Utf8;
}

export function frame<R>(rows: readonly R[], columns: readonly Column<R>[]): Table {
  return pl.DataFrame(columns.map((c) => pl.Series(c.name, rows.map(c.get), dtype(c.kind)))) as Table;
}

/** Writes a table as `<dir>/<name>.parquet` and `<dir>/<name>.csv`. */
export function writeTable(t: Table, dir: string, name: string): void {
  t.writeParquet(`${dir}/${name}.parquet`);
  t.writeCSV(`${dir}/${name}.csv`);
}

export function readParquet(path: string): Table {
  return pl.readParquet(path) as Table;
}

/** Column names and their dtypes, as strings (for checks and reports). */
export function schemaOf(t: Table): Record<string, string> {
  const out: Record<string, string> = {};
  t.columns.forEach((c, i) => (out[c] = String(t.dtypes[i]).replace(/^DataType\((.*)\)$/, '$1')));
  return out;
}

/** Rows as plain records (JSON-safe; NaN becomes null). */
export function recordsOf(t: Table): Record<string, Cell>[] {
  return t.toRecords() as Record<string, Cell>[];
}

/** Equal shape, names, dtypes and values (NaN equals NaN). */
export function tablesEqual(a: Table, b: Table): boolean {
  return a.frameEqual(b, true);
}
