/**
 * Naming rules shared by services and origins.
 *
 * Layer: pure core. Lowercase DNS-label style names: they appear in URL
 * paths, KV keys and response headers, so they must need no escaping.
 */
export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}
