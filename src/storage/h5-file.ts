import { randomUUID } from 'node:crypto';
import type { Dataset, File as H5File, Group, Reference } from 'h5wasm/node';
import type { H5ModuleLike } from './h5-module.ts';
import { writeVlenStrings } from './vlen.ts';

/**
 * The writer's file layer: every HDF5 write of the NWB writer goes through `H5Out`, which narrows
 * h5wasm's loose types, always passes numeric dtypes (h5wasm turns integral JS numbers into int32,
 * nwb.md §4), and calls an optional fault injector first so tests can make any write fail.
 */

/** `commit`: before each step of a commit (path `FILE#step`, steps in commit-layer/committed-file.ts). */
export type WriteOp = 'group' | 'attribute' | 'dataset' | 'link' | 'append' | 'flush' | 'commit';
/** Test hook: called before each write; throwing from it simulates a failing disk. */
export type FaultInjector = (op: WriteOp, path: string) => void;

/** HDF5 little-endian numeric dtypes as h5wasm spells them. */
export type NumDtype = '<f' | '<d' | '<i' | '<I' | '<B' | '<b';
export type NumArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Int8Array;

const ARRAY_OF: Record<NumDtype, (n: number[]) => NumArray> = {
  '<f': (n) => Float32Array.from(n),
  '<d': (n) => Float64Array.from(n),
  '<i': (n) => Int32Array.from(n),
  '<I': (n) => Uint32Array.from(n),
  '<B': (n) => Uint8Array.from(n),
  '<b': (n) => Int8Array.from(n),
};

export type Namespace = 'core' | 'hdmf-common';

function split(path: string): { parent: string; name: string } {
  const i = path.lastIndexOf('/');
  return { parent: i <= 0 ? '/' : path.slice(0, i), name: path.slice(i + 1) };
}

export class H5Out {
  readonly file: H5File;
  readonly mod: H5ModuleLike;
  readonly path: string;
  private readonly fault: FaultInjector | undefined;
  private readonly commit: () => void;

  /** `commit` makes what HDF5 has flushed durable (the file's CommittedFile, commit-layer/). */
  constructor(file: H5File, mod: H5ModuleLike, path: string, commit: () => void, fault?: FaultInjector) {
    this.file = file;
    this.mod = mod;
    this.path = path;
    this.commit = commit;
    this.fault = fault;
  }

  hit(op: WriteOp, path: string): void {
    this.fault?.(op, path);
  }

  private groupAt(path: string): Group {
    if (path === '/') return this.file;
    const g = this.file.get(path);
    if (!g || !('create_group' in g)) throw new Error(`${path} is not a group`);
    return g as Group;
  }

  private entity(path: string): Group | Dataset {
    const e = path === '/' ? this.file : this.file.get(path);
    if (!e || !('create_attribute' in e)) throw new Error(`${path} does not exist`);
    return e as Group | Dataset;
  }

  dataset(path: string): Dataset {
    const d = this.file.get(path);
    if (!d || !('write_slice' in d)) throw new Error(`${path} is not a dataset`);
    return d as Dataset;
  }

  /** The three attributes every typed NWB object carries (nwb.md §1). */
  typeAttrs(path: string, type: string, ns: Namespace): void {
    this.text(path, 'namespace', ns);
    this.text(path, 'neurodata_type', type);
    this.text(path, 'object_id', randomUUID());
  }

  group(path: string, type?: string, ns: Namespace = 'core'): void {
    this.hit('group', path);
    const { parent, name } = split(path);
    this.groupAt(parent).create_group(name);
    if (type) this.typeAttrs(path, type, ns);
  }

  num(path: string, name: string, value: number, dtype: NumDtype): void {
    this.hit('attribute', `${path}@${name}`);
    this.entity(path).create_attribute(name, value, null, dtype);
  }

  text(path: string, name: string, value: string | string[]): void {
    this.hit('attribute', `${path}@${name}`);
    this.entity(path).create_attribute(name, value);
  }

  refAttr(path: string, name: string, target: string): void {
    this.hit('attribute', `${path}@${name}`);
    this.entity(path).create_attribute(name, this.ref(target));
  }

  ref(path: string): Reference {
    return this.entity(path).create_reference();
  }

  scalar(path: string, value: number, dtype: NumDtype): void {
    this.hit('dataset', path);
    const { parent, name } = split(path);
    this.groupAt(parent).create_dataset({ name, data: value, shape: [], dtype });
  }

  textData(path: string, value: string | string[]): void {
    this.hit('dataset', path);
    const { parent, name } = split(path);
    this.groupAt(parent).create_dataset({ name, data: value });
  }

  /** A whole series written at once, chunked to its own length (capped at 4 MiB) when asked. */
  array(path: string, values: NumArray, opts: { chunk?: number; gzip?: number } = {}): void {
    this.hit('dataset', path);
    const { parent, name } = split(path);
    const n = values.length;
    const chunk = opts.chunk ?? (opts.gzip ? n : 0);
    const chunks = chunk > 0 && n > 0 ? [Math.min(chunk, n, 1 << 20)] : null;
    this.groupAt(parent).create_dataset({
      name,
      data: values,
      ...(chunks ? { chunks } : {}),
      ...(chunks && opts.gzip ? { compression: 'gzip' as const, compression_opts: opts.gzip } : {}),
    });
  }

  softLink(target: string, path: string): void {
    this.hit('link', path);
    const { parent, name } = split(path);
    this.groupAt(parent).create_soft_link(target, name);
  }

  /**
   * HDF5 flush, then a commit: h5wasm's flush does not fsync (nwb.md §6), and until the commit
   * nothing HDF5 wrote over the previous commit's bytes has reached the disk.
   */
  flush(): void {
    this.hit('flush', this.path);
    this.file.flush();
    this.commit();
  }
}

/** Attributes a column gets when its dataset is created with the first row(s). */
export type ColumnInit = (out: H5Out, path: string) => void;

/**
 * A growing 1-D dataset, created with its first values (no 0-length datasets: hdmf 3.5.1 crashes
 * on them, nwb.md §8.3) and extended with resize + write afterwards.
 */
abstract class Column<T> {
  readonly out: H5Out;
  readonly path: string;
  length = 0;
  protected readonly chunk: number;
  private readonly init: ColumnInit | undefined;

  constructor(out: H5Out, path: string, init?: ColumnInit, chunk = 256) {
    this.out = out;
    this.path = path;
    this.init = init;
    this.chunk = chunk;
  }

  append(values: readonly T[]): void {
    if (values.length === 0) return;
    if (this.length === 0) {
      this.out.hit('dataset', this.path);
      const { parent, name } = split(this.path);
      const g = this.out.file.get(parent) as Group;
      this.create(g, name, values);
      this.init?.(this.out, this.path);
    } else {
      this.out.hit('append', this.path);
      const d = this.out.dataset(this.path);
      d.resize([this.length + values.length]);
      this.write(d, this.length, values);
    }
    this.length += values.length;
  }

  protected abstract create(g: Group, name: string, values: readonly T[]): void;
  protected abstract write(d: Dataset, offset: number, values: readonly T[]): void;
}

export class NumColumn extends Column<number> {
  readonly dtype: NumDtype;
  constructor(out: H5Out, path: string, dtype: NumDtype, init?: ColumnInit, chunk?: number) {
    super(out, path, init, chunk);
    this.dtype = dtype;
  }
  protected create(g: Group, name: string, values: readonly number[]): void {
    g.create_dataset({ name, data: ARRAY_OF[this.dtype]([...values]), maxshape: [null], chunks: [this.chunk] });
  }
  protected write(d: Dataset, offset: number, values: readonly number[]): void {
    d.write_slice([[offset, offset + values.length]], ARRAY_OF[this.dtype]([...values]));
  }
}

export class TextColumn extends Column<string> {
  protected create(g: Group, name: string, values: readonly string[]): void {
    g.create_dataset({ name, data: [...values], maxshape: [null], chunks: [this.chunk] });
  }
  protected write(_d: Dataset, offset: number, values: readonly string[]): void {
    writeVlenStrings(this.out.mod, this.out.file.file_id, this.path, offset, values);
  }
}

/** Object references to groups or datasets, given by path. */
export class RefColumn extends Column<string> {
  protected create(g: Group, name: string, values: readonly string[]): void {
    g.create_dataset({ name, data: values.map((p) => this.out.ref(p)), maxshape: [null], chunks: [this.chunk] });
  }
  protected write(d: Dataset, offset: number, values: readonly string[]): void {
    d.write_slice([[offset, offset + values.length]], values.map((p) => this.out.ref(p)));
  }
}

/** One element of a TimeSeriesReferenceVectorData: a slice of a series (−1/−1 = none). */
export interface TsRef {
  start: number;
  count: number;
  series: string;
}

const TSREF_DTYPE: [string, string][] = [
  ['idx_start', '<i'],
  ['count', '<i'],
  ['timeseries', 'Reference'],
];

export class TsRefColumn extends Column<TsRef> {
  private rows(values: readonly TsRef[]): Map<string, (number | Reference)[]> {
    return new Map<string, (number | Reference)[]>([
      ['idx_start', values.map((v) => v.start)],
      ['count', values.map((v) => v.count)],
      ['timeseries', values.map((v) => this.out.ref(v.series))],
    ]);
  }
  protected create(g: Group, name: string, values: readonly TsRef[]): void {
    g.create_dataset({ name, data: this.rows(values), dtype: TSREF_DTYPE, maxshape: [null], chunks: [this.chunk] });
  }
  protected write(d: Dataset, offset: number, values: readonly TsRef[]): void {
    d.write_slice([[offset, offset + values.length]], this.rows(values));
  }
}
