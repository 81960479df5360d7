/**
 * Constant-time comparison of a presented credential with a Worker secret.
 *
 * Layer: app, the request path. Both values are hashed first, so neither the content nor
 * the length of the secret leaks through timing.
 */
const encoder = new TextEncoder();

export async function secretMatches(
  presented: string,
  secret: string | undefined,
): Promise<boolean> {
  if (!secret) return false;
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(secret)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
