/**
 * The benchmark's baseline: a Worker that forwards every request, unchanged,
 * to one fixed origin URL with a single fetch, and returns the origin's
 * response as is. No routing, no KV, no headers touched.
 *
 * Bundled with esbuild and served next to the router in the same workerd by
 * scripts/bench/workers.ts; ORIGIN_URL is the live model's /predict URL.
 */
interface PassThroughEnv {
  ORIGIN_URL: string;
}

export default {
  fetch: (request, env) => fetch(env.ORIGIN_URL, request),
} satisfies ExportedHandler<PassThroughEnv>;
