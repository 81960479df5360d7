/**
 * fast-check arbitraries for hostile but plausible routing documents, as raw
 * JSON text: names drawn from valid names, JavaScript prototype keys
 * (`constructor`, `__proto__`, ...), unicode, empty and overlong strings;
 * identity sources of every type with header and cookie names that are and
 * are not tokens; canary, challengers, shadow and retry blocks with
 * in-range and out-of-range numbers. Each field is valid most of the time
 * (and roles get distinct origins), so a good share of the documents passes
 * validation and reaches the worker.
 *
 * The text is written by hand around the origins, so a `__proto__` origin is
 * an own key exactly as `JSON.parse` produces it from a stored document.
 * Every origin URL points at a healthy local test origin, so a 5xx for a
 * document from here is the router's own making.
 *
 * Layer: test support (pure: fast-check only, no workerd or Node APIs).
 */
import fc from "fast-check";

/** Test origins (test/test-models.ts) that always answer promptly and well. */
export const HEALTHY_MODELS = [
  "blue",
  "green",
  "canary",
  "challenger-a",
  "challenger-b",
  "twin",
  "all-positive",
] as const;
export type HealthyModel = (typeof HEALTHY_MODELS)[number];

/** Keys every plain JavaScript object answers through its prototype. */
export const PROTOTYPE_KEYS = [
  "constructor",
  "toString",
  "hasOwnProperty",
  "__proto__",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupGetter__",
] as const;

/** `valid` nineteen times in twenty, else `invalid`. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 19, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const VALID_NAMES = [
  "blue",
  "green",
  "canary",
  "champion",
  "challenger-a",
  "v2",
  "a",
  "0",
  "m-1-2",
];
const validName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VALID_NAMES, "x".repeat(63)) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/) },
);
const BAD_NAMES = [
  "",
  "Blue",
  "blue green",
  "blue-",
  "-blue",
  "blüe",
  "青",
  "🙂",
  "a.b",
  "_router",
  "blue\n",
  "a".repeat(64),
  "b".repeat(300),
];
/** Names an origin or service must not have (under the documented pattern), and garbage. */
const badName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BAD_NAMES) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
);
/** The one hostile origin a document may carry: prototype keys first, then bad names. */
const hostileName = fc.oneof(
  { weight: 4, arbitrary: fc.constant("constructor") },
  { weight: 2, arbitrary: fc.constant("__proto__") },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 2, arbitrary: badName },
);

const TCHARS = "!#$%&'*+-.^_`|~";
const HEADER_TOKENS = [
  "x-user-id",
  "X-User-Id",
  "x_uid",
  "authorization",
  "x-jwt",
  "x.user.id",
  `x${TCHARS}0`,
  "__Host-uid",
  "__Secure-uid",
  "constructor",
  "__proto__",
  "toString",
];
const COOKIE_TOKENS = [
  "mr_uid",
  "uid",
  "MR-UID",
  "__Host-mr_uid",
  "__Secure-mr_uid",
  "__host-mr_uid",
  "__secure-uid",
  "constructor",
  "__proto__",
  `a${TCHARS}`,
];
/** Names no HTTP header (RFC 9110 token) and no cookie (RFC 6265 token) may have. */
const NON_TOKENS = [
  "x user id",
  "x jwt",
  "mr uid",
  "x:user",
  "x-üser",
  "x-用户",
  "x\r\nuser",
  "x\nuser",
  "x\tuid",
  "",
  " x-user-id",
  "x-user-id ",
  "(uid)",
  "x/uid",
  'x"id',
  "x,id",
  "x;id",
  "x=id",
  "x@id",
  "x[id]",
  "x{id}",
  "x?id",
  "x\\id",
  "\u0000x",
  "x\u007f",
  "__Host- uid",
];
const tokenOrNot = (tokens: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 7, arbitrary: fc.constantFrom(...tokens) },
    { weight: 2, arbitrary: fc.constantFrom(...NON_TOKENS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
export const headerNameArb = tokenOrNot(HEADER_TOKENS);
export const cookieNameArb = tokenOrNot(COOKIE_TOKENS);

const saltArb = mostly(
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom("s1", "rollout-2026", "a:b", "constructor", "__proto__"),
    },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }) },
  ),
  fc.constantFrom("", "x".repeat(129)),
);

/** Basis points: mostly round shares, some arbitrary, a few out of range. */
const bpArb = (round: readonly number[]) =>
  mostly(
    fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...round) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 10_000 }) },
    ),
    fc.constantFrom(-1, 10_001, 0.5),
  );

const headerSource = fc.record(
  { type: fc.constant("header"), name: headerNameArb },
  { requiredKeys: ["type"] },
);
const cookieSource = fc.record({ type: fc.constant("cookie"), name: cookieNameArb });
const jwtSource = (jwksUrl: string) =>
  fc.record(
    {
      type: fc.constant("jwt"),
      header: headerNameArb,
      claim: mostly(
        fc.constantFrom("sub", "uid", "user.id", "constructor", "__proto__", "toString"),
        fc.constant(""),
      ),
      alg: mostly(fc.constantFrom("HS256", "HS384", "HS512"), fc.constant("RS256")),
      issuer: fc.constantFrom("iss-a", ""),
      audience: fc.constant("aud-a"),
      jwksUrl: fc.constant(jwksUrl),
    },
    { requiredKeys: ["type"] },
  );
const jsonBodySource = fc.record(
  {
    type: fc.constant("jsonBody"),
    path: mostly(
      fc.constantFrom(
        "id",
        "user.id",
        "constructor",
        "__proto__",
        "toString",
        "user.__proto__.id",
        "a..b",
        "features.amount",
      ),
      fc.constant(""),
    ),
    maxBytes: mostly(fc.constantFrom(1, 16, 65_536, 1_048_576), fc.constantFrom(0, 1_048_577)),
  },
  { requiredKeys: ["type", "path"] },
);

const identityArb = (jwksUrl: string) =>
  fc.record(
    {
      sources: mostly(
        fc.array(fc.oneof(headerSource, cookieSource, jwtSource(jwksUrl), jsonBodySource), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constant<never[]>([]),
      ),
      anonymousCookie: fc.record(
        {
          name: cookieNameArb,
          maxAgeDays: mostly(fc.constantFrom(1, 365, 400), fc.constantFrom(0, 401)),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );

const originSpec = (name: fc.Arbitrary<string>) =>
  fc.record({
    name,
    model: fc.constantFrom(...HEALTHY_MODELS),
    trailingSlash: fc.boolean(),
    // Generous: a healthy origin must never time out, so a 504 is the router's.
    timeoutMs: fc.option(fc.constantFrom(5_000, 10_000, 300_000), { nil: undefined }),
  });

/**
 * A role's origin: mostly the document's origin at a position (live 0,
 * canary 1, challengers 2.., shadow the last), so roles rarely collide; now
 * and then any position or any name, to break the cross-field rules.
 */
type RoleRef = { at: number } | { name: string };
const roleRef = (at: number): fc.Arbitrary<RoleRef> =>
  mostly(
    fc.constant({ at }),
    fc.oneof(
      fc.nat({ max: 7 }).map((n) => ({ at: n })),
      fc.oneof(validName, hostileName).map((name) => ({ name })),
    ),
  );

const shadowArb = fc.record(
  {
    origin: roleRef(-1),
    shareBp: bpArb([0, 5_000, 10_000]),
    sampling: fc.constantFrom("request", "user"),
    salt: saltArb,
    enabled: fc.boolean(),
    timeoutMs: fc.constantFrom(1, 1_000, 5_000, 25_000),
    maxBodyBytes: fc.constantFrom(0, 10, 65_536),
    methods: fc.subarray(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], {
      minLength: 1,
    }),
    paths: mostly(
      fc.constantFrom<string[]>(["/predict"], ["/*"], ["/health", "/predict"], ["/"]),
      fc.constant<string[]>(["predict"]),
    ),
    scoreField: fc.constantFrom("score", "result.score", "constructor", "__proto__"),
    labelField: fc.constantFrom("label", "constructor.name", "toString"),
    inputIdField: fc.constantFrom("id", "__proto__"),
  },
  // A user-sampled shadow needs a salt: mostly give it one.
  { requiredKeys: ["origin", "shareBp", "salt"] },
);

/**
 * A block whose roles need more origins than a document may have: kept when
 * the document has enough (checked as the text is built), else only when
 * `force` (rarely), so that roles seldom collide.
 */
const withRoom = <T>(arb: fc.Arbitrary<T>) =>
  optional(fc.record({ value: arb, force: mostly(fc.constant(false), fc.constant(true)) }));

/** A challenger; a null start means "its own quarter" (disjoint from the others). */
const challengerArb = (i: number) =>
  fc.record({
    origin: roleRef(2 + i),
    startBp: mostly(fc.constant(null), bpArb([0, 2_500])),
    shareBp: mostly(
      fc.oneof(fc.constantFrom(0, 1_000, 2_500), fc.integer({ min: 0, max: 2_500 })),
      bpArb([10_000]),
    ),
  });

/**
 * Raw JSON text of a routing document whose origins all point at healthy
 * test origins; `originUrl(model)` gives a model's base URL. No `chain`, so
 * a failing document shrinks well (fewer origins, fewer blocks, the hostile
 * origin first, i.e. live).
 */
export function documentTextArb(originUrl: (model: HealthyModel) => string): fc.Arbitrary<string> {
  const jwksUrl = `${originUrl("blue")}/jwks`;
  return fc
    .record({
      service: mostly(fc.constantFrom("prop", "p-2", "constructor"), badName),
      version: fc.constantFrom(1, 2, 41, 2 ** 31, Number.MAX_SAFE_INTEGER),
      updatedAt: fc.constantFrom(
        "2026-12-01T00:00:00Z",
        "2026-12-01T00:00:00.123+05:30",
        "2026-12-01T00:00:00.123456Z",
      ),
      origins: fc.uniqueArray(originSpec(validName), {
        selector: (o) => o.name,
        minLength: 1,
        maxLength: 5,
      }),
      // Half the documents carry one origin with a hostile name, at any position.
      hostile: fc.option(fc.record({ origin: originSpec(hostileName), at: fc.nat({ max: 5 }) }), {
        nil: undefined,
        freq: 2,
      }),
      live: roleRef(0),
      canary: withRoom(
        fc.record(
          {
            origin: roleRef(1),
            shareBp: bpArb([0, 100, 5_000, 10_000]),
            salt: saltArb,
            killed: fc.boolean(),
          },
          { requiredKeys: ["origin", "shareBp", "salt"] },
        ),
      ),
      challengerSalt: mostly(saltArb, fc.constant(undefined)),
      challengers: withRoom(
        fc.record({
          list: fc.tuple(challengerArb(0), challengerArb(1), challengerArb(2)),
          count: fc.integer({ min: 1, max: 3 }),
          quarters: fc.shuffledSubarray([0, 2_500, 5_000, 7_500], { minLength: 3, maxLength: 3 }),
        }),
      ),
      identity: optional(identityArb(jwksUrl)),
      retry: optional(
        fc.record(
          {
            safe: fc.boolean(),
            maxBodyBytes: mostly(fc.constantFrom(0, 1_024, 1_048_576), fc.constant(-1)),
          },
          { requiredKeys: [] },
        ),
      ),
      shadow: withRoom(shadowArb),
    })
    .map((g) => {
      const origins = [...g.origins];
      if (g.hostile && !origins.some((o) => o.name === g.hostile?.origin.name))
        origins.splice(g.hostile.at % (origins.length + 1), 0, g.hostile.origin);
      const names = origins.map((o) => o.name);
      const n = names.length;
      const nameOf = (r: RoleRef) =>
        "name" in r ? r.name : (names[((r.at % n) + n) % n] as string);
      const room = <T>(k: number, b: { value: T; force: boolean } | undefined) =>
        b && (n >= k || b.force) ? b.value : undefined;

      const canary = room(2, g.canary);
      const c = room(3, g.challengers);
      const challengers = c?.list.slice(0, Math.min(c.count, Math.max(1, n - 2))).map((x, i) => ({
        origin: nameOf(x.origin),
        startBp: x.startBp ?? c.quarters[i],
        shareBp: x.shareBp,
      }));
      const shadow = room(2, g.shadow);
      const blocks = {
        live: nameOf(g.live),
        canary: canary && { ...canary, origin: nameOf(canary.origin) },
        ...(challengers && { challengerSalt: g.challengerSalt, challengers }),
        identity: g.identity,
        retry: g.retry,
        shadow: shadow && { ...shadow, origin: nameOf(shadow.origin) },
      };
      const originsText = origins
        .map((o) => {
          const url = `${originUrl(o.model)}${o.trailingSlash ? "/" : ""}`;
          const origin = o.timeoutMs === undefined ? { url } : { url, timeoutMs: o.timeoutMs };
          return `${JSON.stringify(o.name)}:${JSON.stringify(origin)}`;
        })
        .join(",");
      // Hand-written around origins: JSON.stringify of an object would turn
      // a "__proto__" name into a prototype, not a key.
      const head = JSON.stringify({
        service: g.service,
        version: g.version,
        updatedAt: g.updatedAt,
        updatedBy: "property-test",
      });
      const tail = JSON.stringify(blocks).slice(1, -1); // drops the undefined blocks
      return `${head.slice(0, -1)},"origins":{${originsText}},${tail}}`;
    });
}
