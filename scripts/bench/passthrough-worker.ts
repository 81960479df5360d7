/**
 * The benchmark's baseline: a Worker that forwards every request, unchanged,
 * to one fixed origin URL with a single fetch, and returns the origin's
 * response as is. No routing, no KV, no headers touched.
 *
 * With MIRROR_URL set it also sends a copy of each request there inside
 * ctx.waitUntil and reads the answer, nothing else: the platform's own cost
 * of one more subrequest per request, which `npm run bench:shadow` sets
 * beside the router's shadow mode.
 *
 * Bundled with esbuild and served next to the router in the same workerd by
 * scripts/bench/workers.ts; ORIGIN_URL is the live model's /predict URL.
 */
interface PassThroughEnv {
  ORIGIN_URL: string;
  MIRROR_URL?: string;
}

export default {
  fetch: (request, env, ctx) => {
    if (env.MIRROR_URL) {
      const copy = request.clone();
      ctx.waitUntil(
        fetch(env.MIRROR_URL, copy)
          .then((r) => r.arrayBuffer())
          .catch(() => {}),
      );
    }
    return fetch(env.ORIGIN_URL, request);
  },
} satisfies ExportedHandler<PassThroughEnv>;
