import type { H5ModuleLike } from './h5-module.ts';

/**
 * Writes variable-length UTF-8 strings into elements [offset, offset + n) of an existing, already
 * resized 1-D vlen string dataset. h5wasm 0.10.3 has no `write_slice` for vlen strings (nwb.md §4):
 * we hand HDF5 an array of `char*` in the wasm heap through the low-level `set_dataset_data`,
 * which writes with the dataset's own vlen type. Strings are NUL-terminated, so they cannot
 * contain U+0000 (refused by the caller).
 */
export function writeVlenStrings(mod: H5ModuleLike, fileId: bigint, path: string, offset: number, values: readonly string[]): void {
  if (values.length === 0) return;
  const enc = new TextEncoder();
  const ptrs: number[] = [];
  let array = 0;
  try {
    for (const s of values) {
      const bytes = enc.encode(s);
      const p = mod._malloc(bytes.length + 1);
      if (p === 0) throw new Error('out of wasm memory for a string');
      ptrs.push(p);
      // HEAPU8 is re-read after each malloc: growing the wasm memory replaces the buffer.
      mod.HEAPU8.set(bytes, p);
      mod.HEAPU8[p + bytes.length] = 0;
    }
    array = mod._malloc(4 * ptrs.length);
    if (array === 0) throw new Error('out of wasm memory for a string table');
    const view = new DataView(mod.HEAPU8.buffer);
    ptrs.forEach((p, i) => view.setUint32(array + 4 * i, p, true));
    mod.set_dataset_data(fileId, path, [BigInt(values.length)], [BigInt(offset)], [1n], BigInt(array));
  } finally {
    for (const p of ptrs) mod._free(p);
    if (array !== 0) mod._free(array);
  }
}
