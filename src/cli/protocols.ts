import type { Command } from 'commander';
import { type ParameterInfo, type ProtocolInfo, PROTOCOL_IDS, getProtocol, listProtocols } from '../../protocols/definitions/index.ts';
import { formatTable } from './devices.ts';

/** A default as a person reads it: numbers as written, lists and maps compactly, absent as "-". */
export function formatDefault(v: unknown): string {
  if (v === undefined) return '-';
  if (Array.isArray(v)) return v.map((x) => (x !== null && typeof x === 'object' ? Object.values(x).map(formatDefault).join('/') : formatDefault(x))).join(', ') || '(none)';
  if (v !== null && typeof v === 'object') return Object.keys(v).length === 0 ? '(none)' : JSON.stringify(v);
  return String(v);
}

function parameterRows(ps: readonly ParameterInfo[]): Record<string, string>[] {
  return ps.map((p) => ({ name: p.optional && p.default === undefined ? `${p.name}?` : p.name, default: formatDefault(p.default), unit: p.unit, description: p.description }));
}

function describe(p: ProtocolInfo): string {
  return `${p.id} — ${p.title}\n${p.description}\n\n${formatTable(parameterRows(p.parameters), ['name', 'default', 'unit', 'description'])}\n`;
}

function asJson(p: ProtocolInfo) {
  return { id: p.id, title: p.title, description: p.description, parameters: p.parameters, defaults: p.defaults };
}

/** Registers `patchrig protocols [ID] [--json]`: every protocol with its parameters, or one of them. */
export function addProtocolsCommand(cli: Command, out: (s: string) => void): void {
  cli
    .command('protocols')
    .description('list the protocols and their parameters (name, default, unit, description), or show one')
    .argument('[id]', `protocol id (${PROTOCOL_IDS.join(', ')})`)
    .option('--json', 'print JSON instead of tables')
    .action(function (this: Command, id: string | undefined, o: { json?: boolean }) {
      if (id !== undefined) {
        const p = getProtocol(id);
        // Bad usage: commander prints the message and the caller exits 2.
        if (!p) this.error(`error: unknown protocol "${id}" (known: ${PROTOCOL_IDS.join(', ')})`, { exitCode: 2, code: 'patchrig.unknownProtocol' });
        else out(o.json ? `${JSON.stringify(asJson(p), null, 2)}\n` : describe(p));
        return;
      }
      const all = listProtocols();
      out(o.json ? `${JSON.stringify(all.map(asJson), null, 2)}\n` : all.map(describe).join('\n'));
    });
}
