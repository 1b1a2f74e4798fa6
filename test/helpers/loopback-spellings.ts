/**
 * Targets that all reach this machine's loopback, spelled as the issue-12 audit found them
 * bypassing `forbiddenHosts` (mapped IPv6, a trailing dot) and as they were already refused
 * (shorthand, decimal, hex and octal IPv4, upper case). `PORT` is replaced by each test.
 */
export const LOOPBACK_SPELLINGS: readonly string[] = [
  'http://[::ffff:127.0.0.1]:PORT',
  'http://[::ffff:7f00:1]:PORT',
  'http://[0:0:0:0:0:ffff:7f00:1]:PORT',
  'http://localhost.:PORT',
  'http://LOCALHOST:PORT',
  'http://127.1:PORT',
  'http://2130706433:PORT',
  'http://0x7f.1:PORT',
  'http://017700000001:PORT',
  'http://[::1]:PORT',
];
