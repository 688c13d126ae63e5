import { type H5Out, type Namespace, type NumDtype, NumColumn, RefColumn, TextColumn, type TsRef, TsRefColumn } from './h5-file.ts';

/**
 * An append-only hdmf `DynamicTable`: the group and every column are created together with the
 * first row (no 0-row tables, nwb.md §3), ragged columns get an unsigned `<col>_index`, region
 * columns an `@table` reference. Rows are never changed once written: an in-place rewrite can reach
 * the disk during an interrupted flush before the extents it depends on (seen in the crash test).
 */

export type ColKind = NumDtype | 'text' | 'ref' | 'tsref' | 'region';

export interface ColSpec {
  name: string;
  description: string;
  kind: ColKind;
  ragged?: boolean;
  /** Path of the table a region column points into. */
  table?: string;
  /** Column data type when not plain VectorData (e.g. TimeSeriesReferenceVectorData). */
  type?: string;
}

export type Cell = number | string | TsRef;
export type Row = Record<string, Cell | Cell[]>;

type AnyColumn = NumColumn | TextColumn | RefColumn | TsRefColumn;

export interface TableSpec {
  type: string;
  ns: Namespace;
  description: string;
  columns: ColSpec[];
  /** Extra attributes of the table group, written when it is created. */
  attrs?: (out: H5Out, path: string) => void;
}

export class DynTable {
  readonly out: H5Out;
  readonly path: string;
  readonly spec: TableSpec;
  rows = 0;
  private readonly id: NumColumn;
  private readonly cols = new Map<string, { spec: ColSpec; data: AnyColumn; index?: NumColumn }>();

  constructor(out: H5Out, path: string, spec: TableSpec) {
    this.out = out;
    this.path = path;
    this.spec = spec;
    this.id = new NumColumn(out, `${path}/id`, '<i', (o, p) => o.typeAttrs(p, 'ElementIdentifiers', 'hdmf-common'));
    for (const c of spec.columns) {
      const p = `${path}/${c.name}`;
      const init = (o: H5Out, q: string) => {
        const type = c.type ?? (c.kind === 'region' ? 'DynamicTableRegion' : 'VectorData');
        o.typeAttrs(q, type, c.type ? 'core' : 'hdmf-common');
        o.text(q, 'description', c.description);
        if (c.kind === 'region' && c.table) o.refAttr(q, 'table', c.table);
      };
      const data: AnyColumn =
        c.kind === 'text'
          ? new TextColumn(out, p, init)
          : c.kind === 'ref'
            ? new RefColumn(out, p, init)
            : c.kind === 'tsref'
              ? new TsRefColumn(out, p, init)
              : new NumColumn(out, p, c.kind === 'region' ? '<i' : c.kind, init);
      const index = c.ragged
        ? new NumColumn(out, `${p}_index`, '<I', (o, q) => {
            o.typeAttrs(q, 'VectorIndex', 'hdmf-common');
            o.text(q, 'description', `Index for VectorData '${c.name}'`);
            o.refAttr(q, 'target', p);
          })
        : undefined;
      this.cols.set(c.name, { spec: c, data, ...(index ? { index } : {}) });
    }
  }

  private create(): void {
    this.out.group(this.path, this.spec.type, this.spec.ns);
    this.out.text(this.path, 'description', this.spec.description);
    this.out.text(
      this.path,
      'colnames',
      this.spec.columns.map((c) => c.name),
    );
    this.spec.attrs?.(this.out, this.path);
  }

  /** Appends one row; ragged columns take an array. Returns the new row's number. */
  append(row: Row): number {
    return this.appendRows([row])[0] as number;
  }

  /**
   * Appends rows column by column: one resize + write per column however many rows (h5wasm's
   * per-call cost is milliseconds). Returns the new rows' numbers.
   */
  appendRows(rows: Row[]): number[] {
    if (rows.length === 0) return [];
    if (this.rows === 0) this.create();
    // Columns first, `id` last: a reader sizing the table by `id` never sees a partial row.
    for (const [name, c] of this.cols) {
      const cells: Cell[] = [];
      const ends: number[] = [];
      for (const row of rows) {
        const v = row[name];
        if (v === undefined) throw new Error(`${this.path}: no value for column ${name}`);
        if (c.index) {
          if (!Array.isArray(v)) throw new Error(`${this.path}: column ${name} is ragged and needs an array`);
          cells.push(...v);
          ends.push(c.data.length + cells.length);
        } else {
          if (Array.isArray(v)) throw new Error(`${this.path}: column ${name} takes one value per row`);
          cells.push(v);
        }
      }
      appendTo(c.data, cells);
      c.index?.append(ends);
    }
    const first = this.rows;
    const ids = rows.map((_, i) => first + i);
    this.id.append(ids);
    this.rows += rows.length;
    return ids;
  }
}

function appendTo(col: AnyColumn, values: Cell[]): void {
  if (col instanceof NumColumn) col.append(values.map((v) => check(typeof v === 'number', v) as number));
  else if (col instanceof TsRefColumn) col.append(values.map((v) => check(typeof v === 'object', v) as TsRef));
  else col.append(values.map((v) => check(typeof v === 'string', v) as string));
}

function check(ok: boolean, v: Cell): Cell {
  if (!ok) throw new Error(`wrong cell value ${JSON.stringify(v)}`);
  return v;
}
