// Which Host headers the server answers (DNS rebinding): loopback names, the names given with --allowed-host, and
// the address it is bound to. Names are compared whole, after the port is taken off.
import { networkInterfaces } from "node:os";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARD_BINDS = new Set(["0.0.0.0", "::", "[::]", ""]);

/** `Name[:port]` or `[v6][:port]` → the name in canonical form (lower case, IPv6 compressed and bracketed). */
export function hostNameOf(header: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/@\s]+)(?::(\d{1,5}))?$/.exec(header.trim());
  if (!m) return undefined;
  if (m[2] !== undefined && Number(m[2]) > 65535) return undefined;
  try {
    // The URL parser lower-cases names and writes IP addresses one way (`[0:0::1]` → `[::1]`).
    const name = new URL(`http://${m[1]}/`).hostname;
    return name.endsWith(".") ? name.slice(0, -1) : name;
  } catch {
    return undefined;
  }
}

/** A bind address or an interface address as a Host name: IPv6 in brackets. */
function asHostName(address: string): string | undefined {
  return hostNameOf(address.includes(":") && !address.startsWith("[") ? `[${address}]` : address);
}

export interface HostCheck {
  /** Whether a request with this Host header is addressed to this server. */
  allowed(header: string | undefined): boolean;
  /** The names accepted besides the machine's own addresses, for the refusal message. */
  readonly names: readonly string[];
}

/**
 * Loopback names, `allowedHosts`, and the bound address; bound to every interface (0.0.0.0, ::), the machine's
 * own addresses are accepted too (a probe or Prometheus sends the pod IP). An IP address as Host cannot come from
 * a rebound DNS name, so this opens nothing to rebinding.
 */
export function hostCheck(bind: string, allowedHosts: readonly string[] = []): HostCheck {
  const names = new Set<string>(LOOPBACK_NAMES);
  for (const h of allowedHosts) {
    const name = hostNameOf(h);
    if (!name)
      throw new RangeError(`--allowed-host ${h}: not a host name (write e.g. pitfall.monitoring.svc)`);
    names.add(name);
  }
  const wildcard = WILDCARD_BINDS.has(bind);
  if (!wildcard) {
    const bound = asHostName(bind);
    if (bound) names.add(bound);
  }
  return {
    names: [...names],
    allowed(header) {
      const name = header === undefined ? undefined : hostNameOf(header);
      if (!name) return false;
      if (names.has(name)) return true;
      return wildcard && localAddresses().has(name);
    },
  };
}

/** Read on each miss, so an address the machine gets later counts. */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) {
      const name = asHostName(a.address.replace(/%.*$/, ""));
      if (name) out.add(name);
    }
  return out;
}
