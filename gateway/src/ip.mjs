// Source addresses as the engine expects them.

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) is the IPv4 address 127.0.0.1. */
export function normalizeIp(addr) {
  if (typeof addr !== 'string' || addr === '') return null;
  let a = addr.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  return m ? m[1] : a;
}
