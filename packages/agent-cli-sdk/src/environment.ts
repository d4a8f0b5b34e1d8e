/**
 * What of the host's environment a child process gets: an allowlist, never the whole of it. A server holds
 * credentials a step has no business seeing (its own token, its database URL, cloud keys it was started with), so
 * a step or an agent CLI receives only the variables programs need to run, plus — for an agent — the variables its
 * CLI is documented to read (each adapter lists them), plus names the operator adds in `SWITCHYARD_STEP_ENV`.
 *
 * A name ending in `*` is a prefix: `LC_*` is every locale variable.
 */

/** What any program needs: where programs are, whose home, which locale, terminal, temp folder, proxy and CAs. */
export const BASE_ENVIRONMENT: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'TMPDIR',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
];

/** Comma-separated names (or `PREFIX_*`) the operator passes on to every step and agent besides the allowlist. */
export const STEP_ENV_VARIABLE = 'SWITCHYARD_STEP_ENV';

/** The names `SWITCHYARD_STEP_ENV` adds, read from `source`. */
export function passedThrough(source: NodeJS.ProcessEnv): string[] {
  return (source[STEP_ENV_VARIABLE] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/** The variables of `source` that `names` allow, and nothing else. */
export function pickEnvironment(source: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const exact = new Set(names.filter((name) => !name.endsWith('*')));
  const prefixes = names.filter((name) => name.endsWith('*')).map((name) => name.slice(0, -1));
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix))) picked[name] = value;
  }
  return picked;
}
