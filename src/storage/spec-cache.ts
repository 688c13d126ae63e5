import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { NwbError } from './errors.ts';
import type { H5Out } from './h5-file.ts';

/**
 * The NWB schema is read at run time from a configured directory (never copied into the
 * project) and cached in each file under /specifications the way hdmf does it (nwb.md §5).
 */

/** Environment variable naming the schema directory (core/ + hdmf-common/). */
export const NWB_SCHEMA_ENV = 'PATCHRIG_NWB_SCHEMA';

/** The schema directory: explicit, else $PATCHRIG_NWB_SCHEMA, else ../shared/nwb-schema from `base`. */
export function defaultSchemaDir(base = process.cwd()): string {
  return process.env[NWB_SCHEMA_ENV] ?? resolve(base, '..', 'shared', 'nwb-schema');
}

interface NamespaceEntry {
  name: string;
  version: string;
  schema: { source?: string; namespace?: string }[];
  [key: string]: unknown;
}

interface LoadedNamespace {
  name: string;
  version: string;
  /** Compact JSON of the namespace (sources without `.yaml`) and of each source file. */
  files: Map<string, string>;
}

const NAMESPACE_FILES = [join('hdmf-common', 'namespace.yaml'), join('core', 'nwb.namespace.yaml')];

/** Reads and converts every namespace of the schema directory; fails naming the directory. */
export function loadSchema(dir: string): LoadedNamespace[] {
  const missing = NAMESPACE_FILES.map((f) => join(dir, f)).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new NwbError('NWB_SCHEMA_MISSING', `NWB schema directory ${dir} is missing ${missing.join(', ')} (set ${NWB_SCHEMA_ENV} or the schemaDir option)`);
  }
  const out: LoadedNamespace[] = [];
  for (const nsFile of NAMESPACE_FILES) {
    const folder = join(dir, nsFile, '..');
    const doc = parseYaml(readFileSync(join(dir, nsFile), 'utf8')) as { namespaces: NamespaceEntry[] };
    for (const ns of doc.namespaces) {
      const files = new Map<string, string>();
      const schema = ns.schema.map((s) => (s.source ? { ...s, source: s.source.replace(/\.yaml$/, '') } : s));
      files.set('namespace', JSON.stringify({ namespaces: [{ ...ns, schema }] }));
      for (const s of ns.schema) {
        if (!s.source) continue;
        const body: unknown = parseYaml(readFileSync(join(folder, s.source), 'utf8'));
        files.set(s.source.replace(/\.yaml$/, ''), JSON.stringify(body));
      }
      out.push({ name: ns.name, version: String(ns.version), files });
    }
  }
  return out;
}

/** Writes /specifications/<ns>/<version>/<source> and the root `.specloc` reference. */
export function writeSpecCache(out: H5Out, namespaces: LoadedNamespace[]): void {
  out.group('/specifications');
  for (const ns of namespaces) {
    out.group(`/specifications/${ns.name}`);
    out.group(`/specifications/${ns.name}/${ns.version}`);
    for (const [name, json] of ns.files) out.textData(`/specifications/${ns.name}/${ns.version}/${name}`, json);
  }
  out.refAttr('/', '.specloc', '/specifications');
}
