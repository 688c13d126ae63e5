import { networkInterfaces } from 'node:os';

/**
 * The base URLs other machines can open for a service bound to `host`: a wildcard bind
 * (0.0.0.0, ::) is reachable at every external address of this machine, which is what to print.
 */
export function reachableUrls(host: string, port: number): string[] {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const hosts = wildcard
    ? Object.values(networkInterfaces())
        .flatMap((list) => list ?? [])
        .filter((a) => !a.internal && (host === '0.0.0.0' ? a.family === 'IPv4' : true))
        .map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address))
    : [host.includes(':') && !host.startsWith('[') ? `[${host}]` : host];
  return (hosts.length > 0 ? hosts : ['127.0.0.1']).map((h) => `http://${h}:${port}`);
}
