import h5wasm from 'h5wasm/node';

/** The part of h5wasm's Emscripten module the storage layer uses (typed narrowly on purpose). */
export interface H5ModuleLike {
  _malloc(size: number): number;
  _free(ptr: number): void;
  readonly HEAPU8: Uint8Array;
  set_dataset_data(fileId: bigint, path: string, count: bigint[] | null, offset: bigint[] | null, strides: bigint[] | null, ptr: bigint): number;
  activate_throwing_error_handler(): number;
}

let ready: Promise<H5ModuleLike> | undefined;

/**
 * Loads h5wasm once per process and turns HDF5 errors into exceptions (by default HDF5 only
 * prints them, and a failed write would go unnoticed).
 */
export function loadH5(): Promise<H5ModuleLike> {
  ready ??= h5wasm.ready.then((m) => {
    m.activate_throwing_error_handler();
    return m as unknown as H5ModuleLike;
  });
  return ready;
}

export { h5wasm };
