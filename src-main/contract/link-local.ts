/**
 * Link-local and cloud-metadata destinations (issue 12): a webhook that points at them would
 * let whoever edits webhooks make the console read instance credentials (169.254.169.254…).
 * Pure functions without Node imports: the contract's schema uses them (renderer too) and
 * the outbound transport checks what a name resolves to at delivery time.
 */

/** Names that reach a cloud provider's metadata service (a trailing dot is ignored). */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.com', 'metadata.tencentyun.com']);
/** Metadata services outside 169.254/16 (Alibaba, Oracle's IPv6 is fe80-based already). */
const METADATA_V4 = new Set(['100.100.100.200']);
/** AWS's IPv6 metadata endpoint. */
const METADATA_V6 = ['fd00:ec2:0:0:0:0:0:254'];

function v4Octets(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((n) => n <= 255) ? octets : null;
}

function v4Blocked(octets: number[]): boolean {
  return (octets[0] === 169 && octets[1] === 254) || METADATA_V4.has(octets.join('.'));
}

/** Eight 16-bit groups, or null when `text` is not IPv6 (brackets and a zone id allowed). */
function v6Groups(text: string): number[] | null {
  let s = text.replace(/^\[|\]$/g, '');
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const maybeV4 = v4Octets(s.slice(lastColon + 1));
  if (maybeV4) {
    tail = [(maybeV4[0]! << 8) | maybeV4[1]!, (maybeV4[2]! << 8) | maybeV4[3]!];
    s = s.slice(0, lastColon + 1) + '0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const want = 8 - (tail.length ? 1 : 0);
  const fill = halves.length === 2 ? want - head.length - rest.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== want)) return null;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...rest].map((g) => parseInt(g, 16));
  if (tail.length) groups.pop();
  const all = [...groups, ...tail];
  return all.length === 8 ? all : null;
}

function v6Blocked(groups: number[]): boolean {
  if ((groups[0]! & 0xffc0) === 0xfe80) return true; // fe80::/10
  const v4 = [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff];
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff; // ::ffff:a.b.c.d
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0); // 64:ff9b::a.b.c.d
  if ((mapped || nat64) && v4Blocked(v4)) return true;
  const text = groups.map((g) => g.toString(16)).join(':');
  return METADATA_V6.includes(text);
}

/** Is this literal IP address (v4 or v6) link-local or a metadata service? */
export function isLinkLocalAddress(address: string): boolean {
  const v4 = v4Octets(address);
  if (v4) return v4Blocked(v4);
  const v6 = v6Groups(address);
  return v6 ? v6Blocked(v6) : false;
}

/** Is this URL host (a name or a literal address, as `URL.hostname` gives it) one we refuse by default? */
export function isLinkLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return METADATA_NAMES.has(host) || isLinkLocalAddress(host);
}
