"""Build-time only: writes test/vectors/sequential.json and test/vectors/gates.json.

Reference values for src/core/rollout/sequential.ts and gates.ts, computed a
different way than the modules do:
  - the one-sided mixture likelihood ratio by numerical integration
    (scipy.integrate.quad) of the likelihood ratio over the half-normal
    mixing distribution, not its closed form with Phi;
  - the anytime-valid half-width by root finding (brentq) on that integral,
    not by bisection on the closed form;
  - normal quantiles from scipy.stats.norm;
  - the SRM Bayes factor by quadrature over the Beta prior (checked against
    scipy's betaln closed form), its interval by brentq on the quadrature;
  - whole gates (alpha split, minimum sample, latency reference and tail
    counts from the histograms, shadow agreement and |delta|, SRM) by this
    file's own implementation of the rules in the modules' headers.

Run from the repository root:  python3 scripts/tools/sequential_vectors.py
(needs Python 3 with scipy; the router never runs this).
"""
import json
import math
import os

from scipy import integrate, optimize, special, stats

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")

# ---- the mixture -------------------------------------------------------------------


def log_mixture_ratio(s, v, tau):
    """log of int_0^inf exp(u s / v - u^2 / (2 v)) * 2 N(u; 0, tau^2) du, by quadrature."""
    prec = 1 / v + 1 / (tau * tau)
    mode = max(0.0, (s / v) / prec)
    sd = 1 / math.sqrt(prec)

    def log_integrand(u):
        return u * s / v - u * u * prec / 2 + math.log(2 / (tau * math.sqrt(2 * math.pi)))

    peak = log_integrand(mode)
    if mode > 0:
        lo, hi = max(0.0, mode - 40 * sd), mode + 40 * sd
        pts = [mode]
    else:
        # The integrand falls from u = 0 at rate |s| / v (and like a Gaussian of sd `sd`).
        width = min(sd, v / abs(s)) if s != 0 else sd
        lo, hi = 0.0, 60 * width
        pts = [width]
    val, _ = integrate.quad(lambda u: math.exp(log_integrand(u) - peak), lo, hi, points=pts,
                            epsabs=0, epsrel=1e-13, limit=400)
    return peak + math.log(val)


def half_width(v, tau, alpha):
    """S* with log L+(S*) = log(1/alpha), by brentq on the quadrature."""
    target = math.log(1 / alpha)
    f = lambda s: log_mixture_ratio(s, v, tau) - target
    hi = math.sqrt(v)
    while f(hi) < 0:
        hi *= 2
    return optimize.brentq(f, 0.0, hi, xtol=1e-16, rtol=1e-14)


def interval_test(effect, v, alpha, bound, tau, fixed_v=0.0):
    anytime = alpha / 2 if fixed_v > 0 else alpha
    margin = stats.norm.isf(alpha / 2) * math.sqrt(fixed_v) if fixed_v > 0 else 0.0
    half = half_width(v, tau, anytime) + margin
    lo, hi = effect - half, effect + half
    return {
        "outcome": "fail" if lo > bound else "pass" if hi < bound else "inconclusive",
        "effect": effect,
        "lo": lo,
        "hi": hi,
        "bound": bound,
        "statistic": log_mixture_ratio(abs(effect - bound) - margin, v, tau),
        "boundary": math.log(1 / anytime),
        "alpha": alpha,
    }


def rate_variance(events, trials):
    p = (events + 1) / (trials + 2)
    return p * (1 - p) / trials


def compare_rates(cand, ref, alpha, bound, tau, fixed=False):
    (nc, ec), (nr, er) = cand, ref
    effect = ec / nc - er / nr
    if fixed:
        t = interval_test(effect, rate_variance(ec, nc), alpha, bound, tau, rate_variance(er, nr))
    else:
        t = interval_test(effect, rate_variance(ec, nc) + rate_variance(er, nr), alpha, bound, tau)
    t["lo"], t["hi"] = max(-1.0, t["lo"]), min(1.0, t["hi"])
    return t


def test_rate(c, alpha, bound, tau):
    n, e = c
    t = interval_test(e / n, rate_variance(e, n), alpha, bound, tau)
    t["lo"], t["hi"] = max(0.0, t["lo"]), min(1.0, t["hi"])
    return t


# ---- SRM ---------------------------------------------------------------------------


def srm_log_bf(k, m, p0, c):
    a, b = c * p0, c * (1 - p0)

    def log_integrand(p):
        return (k * math.log(p / p0) + m * math.log((1 - p) / (1 - p0))
                + (a - 1) * math.log(p) + (b - 1) * math.log(1 - p) - special.betaln(a, b))

    pa, pb = a + k, b + m
    mean = pa / (pa + pb)
    sd = math.sqrt(pa * pb / ((pa + pb) ** 2 * (pa + pb + 1)))
    lo, hi = max(1e-300, mean - 40 * sd), min(1 - 1e-16, mean + 40 * sd)
    peak = max(log_integrand(p) for p in [mean, max(lo, mean - sd), min(hi, mean + sd)])
    val, _ = integrate.quad(lambda p: math.exp(log_integrand(p) - peak), lo, hi, points=[mean],
                            epsabs=0, epsrel=1e-12, limit=400)
    stat = peak + math.log(val)
    closed = special.betaln(a + k, b + m) - special.betaln(a, b) - k * math.log(p0) - m * math.log(1 - p0)
    assert abs(stat - closed) < 1e-6 * max(1, abs(closed)), (k, m, p0, stat, closed)
    return stat


def srm_closed(k, m, p0, c):
    a, b = c * p0, c * (1 - p0)
    return special.betaln(a + k, b + m) - special.betaln(a, b) - k * math.log(p0) - m * math.log1p(-p0)


def srm(canary, others, share, alpha, c=100):
    boundary = math.log(1 / alpha)
    total = canary + others
    observed = canary / total if total else 0.0
    if share <= 0 or share >= 1 or total == 0:
        return {"outcome": "pass", "statistic": 0.0, "boundary": boundary, "lo": 0.0, "hi": 1.0,
                "observedShare": observed}
    stat = srm_log_bf(canary, others, share, c)
    # The interval's ends by brentq on scipy's closed form (betaln): the quadrature is
    # unreliable at shares near 0 or 1, where the prior's density is singular.
    f = lambda p: srm_closed(canary, others, p, c) - boundary
    centre = min(1 - 1e-12, max(1e-12, observed))
    lo = 0.0 if canary == 0 or f(1e-12) < 0 else optimize.brentq(f, 1e-12, centre, xtol=1e-15, rtol=1e-12)
    hi = 1.0 if others == 0 or f(1 - 1e-12) < 0 else optimize.brentq(f, centre, 1 - 1e-12, xtol=1e-15, rtol=1e-12)
    return {"outcome": "fail" if stat >= boundary else "pass", "statistic": stat, "boundary": boundary,
            "lo": lo, "hi": hi, "observedShare": observed}


# ---- histograms (src/core/histogram.ts LATENCY_MS / ABS_DELTA) --------------------------

LAT = (0.1, 120_000.0, 16)
ABS = (1e-6, 1e6, 16)


def ub(spec, i):
    lo, _, per = spec
    return lo if i == 0 else lo * 2 ** (i / per)


def last_bucket(spec):
    lo, hi, per = spec
    return 1 + math.floor(math.log2(hi / lo) * per)


def lognormal_counts(n, median, sigma, spec=LAT):
    """Expected bucket counts of n lognormal draws, rounded (a deterministic histogram)."""
    counts = {}
    cdf = lambda x: stats.norm.cdf(math.log(x / median) / sigma)
    for i in range(1, last_bucket(spec) + 1):
        c = round(n * (cdf(ub(spec, i)) - cdf(ub(spec, i - 1))))
        if c > 0:
            counts[str(i)] = c
    return counts


def hist(counts, spec=LAT):
    n = sum(counts.values())
    idx = sorted(int(k) for k in counts)
    total = sum(c * ub(spec, int(k)) * 0.98 for k, c in counts.items())
    return {"n": n, "sum": total, "lo": ub(spec, idx[0] - 1) if idx else None,
            "hi": ub(spec, idx[-1]) * 0.999 if idx else None, "counts": counts}


def quantile_bucket(counts, q):
    n = sum(counts.values())
    rank = max(1, math.ceil(q * n))
    seen = 0
    for i in sorted(int(k) for k in counts):
        seen += counts[str(i)]
        if seen >= rank:
            return i
    return None


def quantile_value(h, q, spec=LAT):
    b = quantile_bucket(h["counts"], q)
    return min(h["hi"], max(h["lo"], ub(spec, b)))


def p95_threshold(counts):
    """The lower edge of live's p95 bucket, as the bucket whose upper bound it is."""
    return max(0, quantile_bucket(counts, 0.95) - 1)


def above(counts, b):
    return sum(c for k, c in counts.items() if int(k) > b)


def since(now, then):
    return {k: c - then.get(k, 0) for k, c in now.items() if c - then.get(k, 0) > 0}


def allowance_bucket(b, ratio, plus_ms):
    t = ub(LAT, b)
    target = max(t * ratio, t + plus_ms)
    j = b
    while j < last_bucket(LAT) and ub(LAT, j) < target:
        j += 1
    return j


# ---- whole gates (the rules of src/core/rollout/gates.ts and plan.ts) -------------------

WEIGHTS = {"error-rate": 4, "latency-p95": 3, "srm": 1, "shadow-agreement": 1, "shadow-delta": 1}
RATE_TAU = 0.01
TAIL_TAU = 0.03


def gate_alphas(alpha, steps, shadow):
    gates = ["error-rate", "latency-p95", "srm"] + (["shadow-agreement", "shadow-delta"] if shadow else [])
    total = sum(WEIGHTS[g] for g in gates)
    return {g: alpha * WEIGHTS[g] / total / (steps if g in ("error-rate", "latency-p95", "srm") else 1)
            for g in gates}


def evidence(t, n_cand, n_ref):
    return {k: t[k] for k in ("effect", "lo", "hi", "bound", "statistic", "boundary", "alpha")} | {
        "candidate": n_cand, "reference": n_ref}


def gates_case(name, rules, alpha, steps, share_bp, step_index, metrics, baseline=None, reference=None):
    """What evaluateGates must say: each gate's outcome and evidence, and the reference kept."""
    alphas = gate_alphas(alpha, steps, "shadow" in rules)
    live = baseline if baseline is not None else metrics["live"]
    canary = metrics["canary"]
    out = []
    enough = live["requests"] >= rules["minRequests"] and canary["requests"] >= rules["minRequests"]
    out.append({"gate": "min-requests", "outcome": "pass" if enough else "inconclusive"})
    # latency: batches of requests judged against live's p95 as of the previous look; the
    # first threshold is set once live has minRequests answered requests, even before the
    # canary has enough for the gates to be judged.
    lat_rules = rules["latencyP95Ratio"]
    ch = canary.get("latencyMs")
    lh = live.get("latencyMs")
    valid = reference if (baseline is None and reference and reference["stepIndex"] == step_index
                          and reference["revision"] == metrics.get("revision")) else None
    new_ref = valid
    latency = {"gate": "latency-p95", "outcome": "inconclusive"}
    judged = None
    fixed = baseline is not None
    if fixed:
        tail = baseline.get("tail")
        if ch and ch["n"] > 0 and tail and tail["requests"] > 0:
            a = allowance_bucket(tail["bucket"], lat_rules["max"], lat_rules["minDeltaMs"])
            judged = (ch["n"], above(ch["counts"], a), tail["requests"], tail["above"])
    elif lh and lh["n"] > 0:
        ccounts = ch["counts"] if ch else {}
        if valid is None:
            if lh["n"] >= rules["minRequests"]:
                new_ref = {"stepIndex": step_index, "revision": metrics.get("revision"),
                           "bucket": p95_threshold(lh["counts"]), "live": dict(lh["counts"]),
                           "canary": dict(ccounts),
                           "judged": {"canary": 0, "canaryAbove": 0, "live": 0, "liveAbove": 0}}
        else:
            lb, cb = since(lh["counts"], valid["live"]), since(ccounts, valid["canary"])
            a = allowance_bucket(valid["bucket"], lat_rules["max"], lat_rules["minDeltaMs"])
            j = valid["judged"]
            j = {"canary": j["canary"] + sum(cb.values()), "canaryAbove": j["canaryAbove"] + above(cb, a),
                 "live": j["live"] + sum(lb.values()), "liveAbove": j["liveAbove"] + above(lb, valid["bucket"])}
            new_ref = {"stepIndex": step_index, "revision": metrics.get("revision"),
                       "bucket": p95_threshold(lh["counts"]), "live": dict(lh["counts"]),
                       "canary": dict(ccounts), "judged": j}
            judged = (j["canary"], j["canaryAbove"], j["live"], j["liveAbove"])
    if judged and judged[0] > 0 and judged[2] > 0:
        t = compare_rates((judged[0], judged[1]), (judged[2], judged[3]), alphas["latency-p95"], 0.0, TAIL_TAU,
                          fixed)
        latency = {"gate": "latency-p95", "outcome": t["outcome"], "evidence": evidence(t, judged[0], judged[2])}
    if enough:
        t = compare_rates((canary["requests"], canary["errors"]), (live["requests"], live["errors"]),
                          alphas["error-rate"], rules["errorRate"]["minDelta"], RATE_TAU, baseline is not None)
        out.append({"gate": "error-rate", "outcome": t["outcome"],
                    "evidence": evidence(t, canary["requests"], live["requests"])})
        out.append(latency)
        # shadow
        if "shadow" in rules:
            g = rules["shadow"]
            s = metrics.get("shadow")
            if not s or s["pairs"] < g["minPairs"]:
                out.append({"gate": "shadow-agreement", "outcome": "inconclusive"})
            else:
                agreed = s["agreed"]
                t = test_rate((s["pairs"], s["pairs"] - agreed), alphas["shadow-agreement"],
                              1 - g["minAgreement"], RATE_TAU)
                flipped = dict(t, effect=1 - t["effect"], lo=1 - t["hi"], hi=1 - t["lo"], bound=g["minAgreement"])
                out.append({"gate": "shadow-agreement", "outcome": t["outcome"],
                            "evidence": evidence(flipped, s["pairs"], s["pairs"])})
            h = s.get("absDelta") if s else None
            if not s or not h or h["n"] < g["minPairs"]:
                out.append({"gate": "shadow-delta", "outcome": "inconclusive"})
            else:
                mean = h["sum"] / h["n"]
                second = sum(c * min(h["hi"], ub(ABS, int(k))) ** 2 for k, c in h["counts"].items())
                var = max(second / h["n"] - mean * mean, (0.05 * mean) ** 2, 1e-24)
                t = interval_test(mean, var / h["n"], alphas["shadow-delta"], g["maxMeanAbsDelta"],
                                  max(1e-9, g["maxMeanAbsDelta"] * 0.25))
                t["lo"] = max(0.0, t["lo"])
                out.append({"gate": "shadow-delta", "outcome": t["outcome"],
                            "evidence": evidence(t, h["n"], h["n"])})
        # srm
        sp = metrics["split"]
        if sp["canary"] + sp["others"] == 0:
            out.append({"gate": "srm", "outcome": "inconclusive"})
        else:
            r = srm(sp["canary"], sp["others"], share_bp / 10_000, alphas["srm"])
            out.append({"gate": "srm", "outcome": r["outcome"],
                        "evidence": {"effect": r["observedShare"], "lo": r["lo"], "hi": r["hi"],
                                     "bound": share_bp / 10_000, "statistic": r["statistic"],
                                     "boundary": r["boundary"], "alpha": alphas["srm"],
                                     "candidate": sp["canary"], "reference": sp["canary"] + sp["others"]}})
    return {"name": name, "rules": rules, "alpha": alpha, "steps": steps, "shareBp": share_bp,
            "stepIndex": step_index, "metrics": metrics, "baseline": baseline, "latencyReference": reference,
            "expected": out,
            "keptReferenceBucket": new_ref["bucket"] if new_ref else None}


def arm(requests, errors, latency=None):
    a = {"requests": requests, "errors": errors, "p95Ms": None}
    if latency is not None:
        a["latencyMs"] = latency
        a["p95Ms"] = quantile_value(latency, 0.95)
    return a


def lat(n, median=100.0, sigma=0.3):
    return hist(lognormal_counts(n, median, sigma))


def plus(h1, h2):
    c = dict(h1["counts"])
    for k, v in h2["counts"].items():
        c[k] = c.get(k, 0) + v
    return hist(c)


def shared_counts(doc):
    """Histogram counts (maps of bucket index -> count) repeat across cases: each distinct one
    is stored once under "counts" and referred to as "@<n>" (the tests resolve them)."""
    table, names = {}, {}

    def walk(x):
        if isinstance(x, dict):
            if x and all(k.isdigit() for k in x):
                key = json.dumps(x, sort_keys=True)
                if key not in names:
                    names[key] = f"@{len(names) + 1}"
                    table[names[key]] = {k: x[k] for k in sorted(x, key=int)}
                return names[key]
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    out = walk(doc)
    out["counts"] = table
    return out


# ---- cases ------------------------------------------------------------------------------

mixture = []
for v, tau, alpha in [(1e-6, 0.01, 0.005), (2.5e-5, 0.01, 0.001), (4e-4, 0.01, 0.01), (1e-4, 0.05, 0.05),
                      (3e-8, 0.01, 0.0005), (0.01, 0.01, 0.0025)]:
    mixture.append({"variance": v, "mixingSd": tau, "alpha": alpha, "halfWidth": half_width(v, tau, alpha),
                    "logRatio": {str(s): log_mixture_ratio(s, v, tau) for s in
                                 [-3 * math.sqrt(v), -0.5 * math.sqrt(v), 0.0, math.sqrt(v), 4 * math.sqrt(v)]}})

quantiles = [{"p": p, "z": float(stats.norm.isf(p))} for p in [0.25, 0.025, 0.0025, 0.0005, 1e-5]]

rates = []
for name, cand, ref, alpha, bound, fixed in [
    ("A/A, 1% both arms, 1,000 each", (1000, 10), (1000, 10), 0.005, 0.005, False),
    ("A/A at scale: 1% both, 50,000 canary / 950,000 live", (50000, 500), (950000, 9500), 0.005, 0.005, False),
    ("clear regression: 5% vs 1%, 2,000 each", (2000, 100), (2000, 20), 0.005, 0.005, False),
    ("regression too early to call: 3% vs 1%, 300 each", (300, 9), (300, 3), 0.005, 0.005, False),
    ("1% -> 2% with 5,000 canary / 95,000 live", (5000, 100), (95000, 950), 0.001, 0.005, False),
    ("1% -> 2% with 20,000 canary / 380,000 live", (20000, 400), (380000, 3800), 0.001, 0.005, False),
    ("within minDelta: 1.2% vs 1%, 20,000 each", (20000, 240), (20000, 200), 0.005, 0.005, False),
    ("zero errors in both arms, 10,000 each", (10000, 0), (10000, 0), 0.005, 0.005, False),
    ("zero errors, 60 canary / 240 live (a small test)", (60, 0), (240, 0), 0.0025, 0.15, False),
    ("candidate better: 0.5% vs 2%, 5,000 each", (5000, 25), (5000, 100), 0.005, 0.005, False),
    ("high base rate: 22% vs 20%, 10,000 each", (10000, 2200), (10000, 2000), 0.005, 0.01, False),
    ("margin 0: 2% vs 0.9%, 3,000 each", (3000, 60), (3000, 27), 0.01, 0.0, False),
    ("100% step: 3% of 4,000 vs a fixed 1% of 20,000", (4000, 120), (20000, 200), 0.001, 0.005, True),
    ("100% step: 1% of 40,000 vs a fixed 1% of 20,000", (40000, 400), (20000, 200), 0.001, 0.005, True),
    ("latency tail: 14% vs 5% slower, 600 / 12,000 (tau 0.03)", (600, 84), (12000, 600), 0.00375, 0.0, False),
    ("latency tail: 3.3% vs 5% slower, 3,000 / 60,000 (tau 0.03)", (3000, 99), (60000, 3000), 0.00375, 0.0, False),
    ("latency tail: 100% of 29 vs 14% of 120 slower (tau 0.03)", (29, 29), (120, 17), 0.001875, 0.0, False),
]:
    tau = TAIL_TAU if "tau 0.03" in name else RATE_TAU
    t = compare_rates(cand, ref, alpha, bound, tau, fixed)
    rates.append({"name": name, "candidate": {"trials": cand[0], "events": cand[1]},
                  "reference": {"trials": ref[0], "events": ref[1]}, "alpha": alpha, "bound": bound,
                  "mixingSd": tau, "fixedReference": fixed} | t)

one_rate = []
for name, c, alpha, bound in [
    ("agreement 98% of 1,000 (disagreement 2% vs 5% allowed)", (1000, 20), 0.001, 0.05),
    ("agreement 90% of 500 (disagreement 10% vs 5%)", (500, 50), 0.001, 0.05),
    ("agreement 95.5% of 400: undecided", (400, 18), 0.001, 0.05),
]:
    t = test_rate(c, alpha, bound, RATE_TAU)
    one_rate.append({"name": name, "counts": {"trials": c[0], "events": c[1]}, "alpha": alpha, "bound": bound,
                     "mixingSd": RATE_TAU} | t)

means = []
for name, n, mean, var, alpha, bound, tau in [
    ("mean |delta| 0.02 of 500 (sd 0.03) vs 0.05", 500, 0.02, 0.0009, 0.001, 0.05, 0.0125),
    ("mean |delta| 0.08 of 500 (sd 0.06) vs 0.05", 500, 0.08, 0.0036, 0.001, 0.05, 0.0125),
    ("mean |delta| 0.052 of 200 (sd 0.05) vs 0.05", 200, 0.052, 0.0025, 0.001, 0.05, 0.0125),
]:
    t = interval_test(mean, var / n, alpha, bound, tau)
    means.append({"name": name, "sample": {"n": n, "mean": mean, "variance": var}, "alpha": alpha,
                  "bound": bound, "mixingSd": tau} | t)

srm_cases = []
for name, k, m, share, alpha, c in [
    ("exact 5% split, 20,000 assignments", 1000, 19000, 0.05, 0.001, 100),
    ("5.5% observed for 5%, 20,000 assignments", 1100, 18900, 0.05, 0.001, 100),
    ("6% observed for 5%, 20,000 assignments", 1200, 18800, 0.05, 0.001, 100),
    ("49/51 on a 50/50 split, 10,000", 4900, 5100, 0.5, 0.001, 100),
    ("47/53 on a 50/50 split, 10,000", 4700, 5300, 0.5, 0.001, 100),
    ("1% canary with none assigned yet, 500", 0, 500, 0.01, 0.001, 100),
    ("1% canary, 0 of 1,000 assigned", 0, 1000, 0.01, 0.001, 100),
    ("25% split, 25.4% of 100,000, c = 1,000", 25400, 74600, 0.25, 0.001, 1000),
    ("25% split, 25.4% of 100,000, c = 100", 25400, 74600, 0.25, 0.001, 100),
    ("tiny sample: 3 of 10 on 25%", 3, 7, 0.25, 0.001, 100),
]:
    srm_cases.append({"name": name, "canary": k, "others": m, "expectedShare": share, "alpha": alpha,
                      "concentration": c} | srm(k, m, share, alpha, c))

with open(os.path.join(ROOT, "test", "vectors", "sequential.json"), "w") as f:
    json.dump({
        "description": "Vectors for src/core/rollout/sequential.ts. Generated by scripts/tools/sequential_vectors.py: scipy quadrature of the one-sided (half-normal) mixture likelihood ratio and of the Beta-Binomial Bayes factor, brentq for half-widths and SRM intervals, scipy.stats.norm for quantiles; not the modules' closed forms. statistic, boundary and logRatio are natural logs.",
        "mixture": mixture, "normalQuantiles": quantiles, "compareRates": rates, "testRate": one_rate,
        "testMean": means, "srm": srm_cases,
    }, f, indent=2)
    f.write("\n")

# Gate vectors: a 5-step plan (alpha split by 5 for per-step gates), with and without shadow gates.
RULES = {"minRequests": 200, "errorRate": {"minDelta": 0.005}, "latencyP95Ratio": {"max": 1.1, "minDeltaMs": 25}}
SHADOW_RULES = RULES | {"shadow": {"minAgreement": 0.95, "maxMeanAbsDelta": 0.05, "minPairs": 100}}
L0 = lat(4000)  # live's answered requests when the step's latency reference was set
C0 = lat(210)
REF = {"stepIndex": 1, "revision": "7@1", "bucket": p95_threshold(L0["counts"]),
       "live": L0["counts"], "canary": C0["counts"],
       "judged": {"canary": 0, "canaryAbove": 0, "live": 0, "liveAbove": 0}}
LIVE = plus(L0, lat(224000))  # 228,000 live requests in all
split = lambda c, o: {"canary": c, "others": o}
TAIL = {"bucket": REF["bucket"], "requests": 224000, "above": above(lat(224000)["counts"], REF["bucket"])}
BASELINE = {"requests": 228000, "errors": 2280, "p95Ms": 230.0, "tail": TAIL}


def step(canary_requests, canary_errors, canary_latency, shadow=None, split_canary=None, revision="7@1",
         live_errors=2280):
    k = canary_requests if split_canary is None else split_canary
    return {"live": arm(228000, live_errors, LIVE), "canary": arm(canary_requests, canary_errors, canary_latency),
            "split": split(k, 240000 - k), "shadow": shadow, "revision": revision}


def shadow(pairs, agreed, n, median, sigma):
    h = hist(lognormal_counts(n, median, sigma, ABS), ABS)
    return {"pairs": pairs, "agreementRate": agreed / pairs, "meanAbsDelta": h["sum"] / h["n"], "agreed": agreed,
            "absDelta": h}


HEALTHY = plus(C0, lat(11790))
gates = [
    gates_case("too few canary requests: only min-requests, inconclusive", RULES, 0.01, 5, 500, 1,
               {"live": arm(3000, 30, lat(3000)), "canary": arm(150, 1, lat(150)), "split": split(150, 2850),
                "shadow": None, "revision": "7@1"}),
    gates_case("first look with enough live latency: the reference is set, latency waits", RULES, 0.01, 5, 500, 1,
               {"live": arm(3990, 40, L0), "canary": arm(210, 2, C0), "split": split(210, 3990),
                "shadow": None, "revision": "7@1"}),
    gates_case("a reference of another revision is replaced (and latency waits)", RULES, 0.01, 5, 500, 1,
               {"live": arm(3990, 40, L0), "canary": arm(210, 2, C0), "split": split(210, 3990),
                "shadow": None, "revision": "8@2"}, reference=REF),
    gates_case("healthy with plenty of traffic, latency reference held: all pass", RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY), reference=REF),
    gates_case("healthy but little traffic: error rate inconclusive", RULES, 0.01, 5, 500, 1,
               {"live": arm(57000, 570, plus(L0, lat(53000))), "canary": arm(3000, 30, plus(C0, lat(2790))),
                "split": split(3000, 57000), "shadow": None, "revision": "7@1"}, reference=REF),
    gates_case("error rate 2.9% vs 1.0%: fail", RULES, 0.01, 5, 500, 1,
               step(12000, 348, HEALTHY), reference=REF),
    gates_case("canary p95 +50%: latency fails", RULES, 0.01, 5, 500, 1,
               step(12000, 120, plus(C0, lat(11790, 150.0))), reference=REF),
    gates_case("canary p95 +5%: within the allowance", RULES, 0.01, 5, 500, 1,
               step(12000, 120, plus(C0, lat(11790, 105.0))), reference=REF),
    gates_case("split 5.4% for a 5% share: SRM fails", RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, split_canary=12960), reference=REF),
    gates_case("no latency data at all: latency inconclusive", RULES, 0.01, 5, 500, 1,
               {"live": arm(228000, 2280), "canary": arm(12000, 120), "split": split(12000, 228000),
                "shadow": None, "revision": "7@1"}),
    gates_case("100% step against the previous step's baseline: all pass", RULES, 0.01, 5, 10_000, 4,
               {"live": arm(0, 0), "canary": arm(60000, 600, lat(60000)), "split": split(60000, 0),
                "shadow": None, "revision": "9@3"}, baseline=BASELINE),
    gates_case("100% step, canary at 3% vs the baseline's 1%: fail", RULES, 0.01, 5, 10_000, 4,
               {"live": arm(0, 0), "canary": arm(8000, 240, lat(8000)), "split": split(8000, 0), "shadow": None,
                "revision": "9@3"}, baseline=BASELINE),
    gates_case("100% step without a baseline: min-requests inconclusive", RULES, 0.01, 5, 10_000, 4,
               {"live": arm(0, 0), "canary": arm(8000, 80, lat(8000)), "split": split(8000, 0), "shadow": None,
                "revision": "9@3"}),
    gates_case("shadow agreeing 98% with small |delta|: shadow gates pass", SHADOW_RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, shadow(3000, 2940, 3000, 0.01, 0.8)), reference=REF),
    gates_case("shadow agreeing 90%: shadow-agreement fails", SHADOW_RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, shadow(1000, 900, 1000, 0.01, 0.8)), reference=REF),
    gates_case("shadow |delta| around 0.1: shadow-delta fails", SHADOW_RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, shadow(1000, 990, 1000, 0.08, 0.5)), reference=REF),
    gates_case("too few shadow pairs: shadow gates inconclusive", SHADOW_RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, shadow(40, 40, 40, 0.01, 0.8)), reference=REF),
]

with open(os.path.join(ROOT, "test", "vectors", "gates.json"), "w") as f:
    json.dump(shared_counts({
        "description": "Vectors for evaluateGates (src/core/rollout/gates.ts): each gate's outcome and evidence for a plan (rules, alpha, number of steps), a step (share, index), its metrics (exact histograms, src/core/histogram.ts LATENCY_MS / ABS_DELTA buckets; each bucket -> count map is stored once under \"counts\" and named \"@n\"), a 100% step's baseline and the latency reference held. Generated by scripts/tools/sequential_vectors.py with its own implementation of the gates' rules and scipy quadrature / root finding for the statistics.",
        "cases": gates,
    }), f, indent=2)
    f.write("\n")

for c in rates:
    print(f"{c['outcome']:>12}  stat={c['statistic']:.6f}  [{c['lo']:.6f}, {c['hi']:.6f}]  {c['name']}")
for c in srm_cases:
    print(f"{c['outcome']:>12}  stat={c['statistic']:.6f}  [{c['lo']:.6f}, {c['hi']:.6f}]  {c['name']}")
for c in gates:
    print(f"{c['name']}: " + ", ".join(f"{g['gate']} {g['outcome']}" for g in c["expected"]))

# ---- rollout progression (test/vectors/rollout-progression.json) -----------------------
# Each case states the verdict its author intends; the rules below (the state machine's
# header, src/core/rollout/state-machine.ts) and this file's gates must agree with it.

PLAN = {
    "steps": [{"shareBp": 500, "bakeSeconds": 600}, {"shareBp": 2500, "bakeSeconds": 1800},
              {"shareBp": 10000, "bakeSeconds": 600}],
    "gates": SHADOW_RULES,
    "alpha": 0.01,
    "maxExtensionSeconds": 3600,
    "onSuccess": "flip",
    "notify": True,
}
MIN = 60_000


def rule_verdict(plan, status, outcomes, now):
    step = plan["steps"][status["stepIndex"]]
    watching = status["state"] == "paused" and status.get("pausedAtLimit")
    if status["state"] != "progressing" and not watching:
        return "none"
    if "fail" in outcomes:
        return "rollback"
    if watching:
        return "none"
    baked = now - status["stepStartedAt"]
    if baked < step["bakeSeconds"] * 1000:
        return "bake"
    if "inconclusive" in outcomes:
        return "hold" if baked - step["bakeSeconds"] * 1000 < plan["maxExtensionSeconds"] * 1000 else "pause"
    return "advance" if status["stepIndex"] + 1 < len(plan["steps"]) else "promote"


def traffic(share_bp, canary_n, canary_errors, live_errors_rate=0.01, canary_median=100.0, split_canary=None,
            shadow_view=None, step_index=0):
    """A step's metrics with `canary_n` canary requests at share_bp, and the latency reference held."""
    live_n = round(canary_n * (10_000 - share_bp) / share_bp)
    ref_live, ref_canary = lat(4000), lat(max(1, round(4000 * share_bp / (10_000 - share_bp))))
    live_h = plus(ref_live, lat(max(0, live_n - 4000)))
    canary_h = plus(ref_canary, lat(max(1, canary_n - sum(ref_canary["counts"].values())), canary_median))
    k = canary_n if split_canary is None else split_canary
    revision = f"{10 + step_index}@1"
    metrics = {"live": arm(live_n, round(live_n * live_errors_rate), live_h),
               "canary": arm(canary_n, canary_errors, canary_h),
               "split": {"canary": k, "others": canary_n + live_n - k}, "shadow": shadow_view,
               "revision": revision}
    reference = {"stepIndex": step_index, "revision": revision,
                 "bucket": p95_threshold(ref_live["counts"]), "live": ref_live["counts"],
                 "canary": ref_canary["counts"],
                 "judged": {"canary": 0, "canaryAbove": 0, "live": 0, "liveAbove": 0}}
    return metrics, reference


def status(step_index, state="progressing", reference=None, baseline=None, paused_at_limit=False):
    s = {"state": state, "stepIndex": step_index, "stepStartedAt": 0, "startedAt": 0, "updatedAt": 0}
    if reference is not None:
        s["latencyReference"] = reference
    if baseline is not None:
        s["baseline"] = baseline
    if paused_at_limit:
        s["pausedAtLimit"] = True
    return s


GOOD_SHADOW = shadow(3000, 2940, 3000, 0.01, 0.8)
progression = []


def case(name, verdict, change, nxt, st, metrics, now, plan_over=None):
    plan = PLAN | (plan_over or {})
    step = plan["steps"][st["stepIndex"]]
    full = step["shareBp"] >= 10_000
    g = gates_case(name, plan["gates"], plan["alpha"], len(plan["steps"]), step["shareBp"], st["stepIndex"],
                   metrics, baseline=st.get("baseline") if full else None, reference=st.get("latencyReference"))
    outcomes = [x["outcome"] for x in g["expected"]]
    got = rule_verdict(plan, st, outcomes, now)
    assert got == verdict, (name, got, verdict, g["expected"])
    c = {"name": name, "status": st, "metrics": metrics, "now": now, "verdict": verdict, "change": change,
         "next": nxt, "gates": [[x["gate"], x["outcome"]] for x in g["expected"]]}
    if plan_over:
        c["plan"] = plan_over
    progression.append(c)


healthy, ref0 = traffic(500, 12000, 120, shadow_view=GOOD_SHADOW)
thin, thin_ref = traffic(500, 3000, 30, shadow_view=GOOD_SHADOW)
failing, _ = traffic(500, 3000, 150, shadow_view=GOOD_SHADOW)
slow, _ = traffic(500, 12000, 120, canary_median=150.0, shadow_view=GOOD_SHADOW)
within, _ = traffic(500, 60000, 720, shadow_view=GOOD_SHADOW)  # 1.2% vs 1%: inside minDelta
mismatch, _ = traffic(500, 12000, 120, split_canary=13000, shadow_view=GOOD_SHADOW)
disagree, _ = traffic(500, 12000, 120, shadow_view=shadow(1000, 900, 1000, 0.01, 0.8))
far, _ = traffic(500, 12000, 120, shadow_view=shadow(1000, 990, 1000, 0.08, 0.5))
few_pairs, _ = traffic(500, 12000, 120, shadow_view=shadow(40, 40, 40, 0.01, 0.8))
no_shadow, _ = traffic(500, 12000, 120, shadow_view=None)
healthy2, ref1 = traffic(2500, 30000, 300, shadow_view=GOOD_SHADOW, step_index=1)
BASE = {"requests": 90000, "errors": 900, "p95Ms": 230.0,
        "tail": {"bucket": ref1["bucket"], "requests": 86000,
                 "above": above(lat(86000)["counts"], ref1["bucket"])}}
full_good = {"live": arm(0, 0), "canary": arm(60000, 600, lat(60000)), "split": {"canary": 60000, "others": 0},
             "shadow": GOOD_SHADOW, "revision": "12@1"}
full_bad = {"live": arm(0, 0), "canary": arm(8000, 240, lat(8000)), "split": {"canary": 8000, "others": 0},
            "shadow": GOOD_SHADOW, "revision": "12@1"}
progressing = {"state": "progressing", "stepIndex": 0}

case("a paused rollout does nothing, even failing", "none", None, {"state": "paused", "stepIndex": 0},
     status(0, "paused", ref0), failing, 60 * MIN)
case("a rolled-back rollout does nothing", "none", None, {"state": "rolled-back", "stepIndex": 1},
     status(1, "rolled-back"), healthy, 60 * MIN)
case("healthy during the bake: keep baking", "bake", None, progressing, status(0, reference=ref0), healthy,
     5 * MIN)
case("too few requests during the bake: keep baking", "bake", None, progressing, status(0),
     traffic(500, 150, 1, shadow_view=GOOD_SHADOW)[0], 5 * MIN)
case("error rate 5% vs 1% during the bake: roll back at once", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 0}, status(0, reference=ref0), failing, 1 * MIN)
case("healthy after the bake, every gate shown within its bound: next step (5% -> 25%)", "advance",
     {"kind": "set-share", "shareBp": 2500}, {"state": "progressing", "stepIndex": 1},
     status(0, reference=ref0), healthy, 10 * MIN)
case("error rate worse but within minDelta (1.2% vs 1%): shown within, advance", "advance",
     {"kind": "set-share", "shareBp": 2500}, {"state": "progressing", "stepIndex": 1},
     status(0, reference=ref0), within, 11 * MIN)
case("canary p95 +50%: roll back", "rollback", {"kind": "kill"}, {"state": "rolled-back", "stepIndex": 0},
     status(0, reference=ref0), slow, 3 * MIN)
case("sample-ratio mismatch (5.4% for 5%): roll back", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 0}, status(0, reference=ref0), mismatch, 11 * MIN)
case("shadow label agreement 90% (min 95%): roll back", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 0}, status(0, reference=ref0), disagree, 11 * MIN)
case("shadow mean |delta| about 0.1 (max 0.05): roll back", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 0}, status(0, reference=ref0), far, 11 * MIN)
case("bake done, error rate not yet decided: hold (the bake extends)", "hold", None, progressing,
     status(0, reference=thin_ref), thin, 12 * MIN)
case("bake done, too few shadow pairs: hold", "hold", None, progressing, status(0, reference=ref0), few_pairs,
     11 * MIN)
case("bake done, no shadow data at all: hold", "hold", None, progressing, status(0, reference=ref0), no_shadow,
     11 * MIN)
case("still undecided at bake + maxExtensionSeconds: pause at the share, no rollback", "pause", None,
     {"state": "paused", "stepIndex": 0}, status(0, reference=thin_ref), thin, 70 * MIN)
case("paused at the limit: a failing canary still rolls back", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 0}, status(0, "paused", ref0, paused_at_limit=True), failing,
     80 * MIN)
case("paused at the limit, nothing failing: wait for the operator", "none", None,
     {"state": "paused", "stepIndex": 0}, status(0, "paused", thin_ref, paused_at_limit=True), thin, 80 * MIN)
case("100% step as good as the previous step's live: promote (flip)", "promote", {"kind": "flip"},
     {"state": "promoted", "stepIndex": 2}, status(2, baseline=BASE), full_good, 10 * MIN)
case("100% step passed with onSuccess stay: complete without a flip", "promote", None,
     {"state": "completed", "stepIndex": 2}, status(2, baseline=BASE), full_good, 10 * MIN,
     {"onSuccess": "stay"})
case("100% step at 3% errors against the baseline's 1%: roll back", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 2}, status(2, baseline=BASE), full_bad, 2 * MIN)
case("100% step without a baseline: hold", "hold", None, {"state": "progressing", "stepIndex": 2}, status(2),
     full_good, 11 * MIN)

with open(os.path.join(ROOT, "test", "vectors", "rollout-progression.json"), "w") as f:
    json.dump(shared_counts({
        "description": "Rollout progression: what evaluateRollout(plan, status, metrics, now) does next, and each gate's outcome. Expectations follow the rules in src/core/rollout/state-machine.ts (fail at once, even paused at the limit; bake; hold while inconclusive up to maxExtensionSeconds past the bake, then pause; advance; promote); each case's verdict was written by hand and checked by scripts/tools/sequential_vectors.py against its own implementation of the gates. Histogram counts are stored once under \"counts\" and named \"@n\". Run in Node and in workerd.",
        "plan": PLAN,
        "cases": progression,
    }), f, indent=2)
    f.write("\n")
for c in progression:
    print(f"{c['verdict']:>9}  {c['name']}")
