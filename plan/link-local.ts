/**
 * Link-local and cloud metadata addresses: 169.254.0.0/16 (where AWS, GCP, Azure and others serve instance
 * credentials), fe80::/10, fd00:ec2::254, and names such as metadata.google.internal. An analysis that GETs
 * one of these from a worker would read the worker's own cloud credentials into a measurement, so HTTP checks
 * and Prometheus queries there are refused unless GLIDEPATH_ALLOW_LINK_LOCAL_HTTP=true is set: on the worker
 * (activities/analysis/guarded-request.ts judges every request, redirect and resolved address) and where plans
 * and releases are validated (plan/checks-before-start.ts, for addresses written in the file).
 */
export const ALLOW_LINK_LOCAL_ENV = 'GLIDEPATH_ALLOW_LINK_LOCAL_HTTP';

const METADATA_NAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
]);
const METADATA_IPV4 = new Set(['100.100.100.200', '192.0.0.192']);

export function linkLocalAllowed(env: Record<string, string | undefined>): boolean {
  return /^(1|true|yes)$/i.test(env[ALLOW_LINK_LOCAL_ENV] ?? '');
}

function ipv4Problem(address: string): string | undefined {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
  if (octets[0] === 169 && octets[1] === 254) return `${address} is link-local (169.254.0.0/16, where cloud metadata services answer)`;
  if (METADATA_IPV4.has(address)) return `${address} is a cloud metadata address`;
  return undefined;
}

function ipv6Problem(address: string): string | undefined {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (!a.includes(':')) return undefined;
  if (/^fe[89ab][0-9a-f]?:/.test(a)) return `[${a}] is IPv6 link-local (fe80::/10)`;
  if (a === 'fd00:ec2::254') return `[${a}] is the EC2 instance metadata service`;
  const mapped = /^::ffff:(?:([0-9.]+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(a);
  if (mapped) {
    const v4 =
      mapped[1] ??
      [mapped[2], mapped[3]]
        .flatMap((h) => {
          const n = parseInt(h, 16);
          return [n >> 8, n & 0xff];
        })
        .join('.');
    const inner = ipv4Problem(v4);
    return inner ? `[${a}] is ${v4}: ${inner}` : undefined;
  }
  return undefined;
}

/** Why an address (IP literal or host name, as a URL or resolver gives it) is link-local or a metadata service; else undefined. */
export function linkLocalAddressProblem(host: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.has(h)) return `${h} is a cloud metadata service`;
  return ipv4Problem(h) ?? ipv6Problem(h);
}

/** The same for a URL; templates (`{{service}}`) are read as plain names, and a URL that cannot be parsed is left to the schema. */
export function linkLocalUrlProblem(url: string): string | undefined {
  const plain = url.replace(/\{\{[^}]*\}\}/g, 'x');
  let host: string | undefined;
  try {
    host = new URL(plain).hostname;
  } catch {
    // e.g. an IPv6 zone ("[fe80::1%eth0]"), which URL does not parse: read the host as written.
    host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(plain)?.[1]?.replace(/%[^\]]*/, '');
  }
  return host ? linkLocalAddressProblem(host) : undefined;
}
