/**
 * A bare Worker with the router's shadow mechanics, one piece at a time
 * (`npm run bench:mirror-ladder`, scripts/bench/mirror-ladder.ts): FLAGS (a
 * var, "+"-separated) picks them, so what each costs the user's latency can
 * be read side by side with nothing of the router around it.
 *   mirror    a copy of the request (request.clone()) sent to SHADOW_URL in waitUntil
 *   tee       production's answer teed (response.clone()) and the copy read
 *   after     the mirror starts once production's copy is read (as the router's does)
 *   deadline  one AbortController and a timer bound the mirror (shadow.timeoutMs)
 *   bytes     the request copy read to bytes before it is sent
 *   parse     the shadow's answer parsed as JSON
 * Without "mirror" it is the one-fetch pass-through.
 */
interface MirrorLadderEnv {
  ORIGIN_URL: string;
  SHADOW_URL: string;
  FLAGS: string;
}

export default {
  async fetch(request, env, ctx) {
    const flags = new Set(env.FLAGS.split("+"));
    if (!flags.has("mirror")) return fetch(env.ORIGIN_URL, request);
    const copy = request.clone();
    const deadline = flags.has("deadline") ? new AbortController() : null;
    const timer = deadline ? setTimeout(() => deadline.abort(), 2_000) : undefined;
    const response = await fetch(env.ORIGIN_URL, request);
    const production = flags.has("tee") ? response.clone() : null;
    const mirror = async () => {
      try {
        if (flags.has("after") && production) await production.arrayBuffer();
        const body = flags.has("bytes") ? await copy.arrayBuffer() : copy.body;
        const shadow = await fetch(env.SHADOW_URL, {
          method: "POST",
          headers: copy.headers,
          body,
          signal: deadline?.signal ?? null,
        });
        const text = await shadow.text();
        if (production && !flags.has("after")) await production.arrayBuffer();
        if (flags.has("parse")) JSON.parse(text);
      } catch {
        // a failed mirror is nothing to the user
      } finally {
        clearTimeout(timer);
      }
    };
    ctx.waitUntil(mirror());
    return response;
  },
} satisfies ExportedHandler<MirrorLadderEnv>;
