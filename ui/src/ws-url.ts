/** `ws://host/ws?token=…` for the page at `loc`: off loopback `/ws` needs the page's token too. */
export function wsUrl(loc: { protocol: string; host: string }, token: string | undefined): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}
