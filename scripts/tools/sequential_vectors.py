"""Build-time only: writes test/vectors/sequential.json, rate-test.json, gates.json and
rollout-progression.json.

Reference values for src/core/rollout/sequential.ts and gates.ts, computed a
different way than the modules do:
  - the one-sided mixture likelihood ratio by numerical integration
    (scipy.integrate.quad) of the likelihood ratio over the half-normal
    mixing distribution, not its closed form with Phi;
  - the anytime-valid half-width by root finding (brentq) on that integral,
    not by bisection on the closed form;
  - normal quantiles from scipy.stats.norm;
  - the rate gates' sequential test (src/core/rollout/rate-test.ts) by
    scipy.stats.binom.logpmf of each look's counts, its mixture by logsumexp,
    and the dispersion (dispersion.ts) as numpy's cluster-robust variance;
  - the SRM Bayes factor by quadrature over the Beta prior (checked against
    scipy's betaln closed form), its interval by brentq on the quadrature;
  - whole gates (alpha split, minimum sample, latency reference and tail
    counts from the histograms, shadow agreement and |delta|, SRM) by this
    file's own implementation of the rules in the modules' headers.

Run from the repository root:  python3 scripts/tools/sequential_vectors.py
(needs Python 3 with numpy and scipy; the router never runs this). It formats
what it wrote with the repository's biome (npx) when it can.
"""
import json
import math
import os
import subprocess

import numpy as np
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


# ---- the rate tests (src/core/rollout/rate-test.ts, dispersion.ts) ---------------------
# From the modules' headers: per look, the canary's share of the look's events is
# Binomial(E, rho) (two arms), or each canary request is Bernoulli(p) (one arm against a
# fixed baseline); log likelihood ratios by scipy.stats.binom.logpmf, accumulated over
# looks; the rollback mixture of "worse by minDelta x 2^k", k = 0..3, equal weights by
# logsumexp; everything divided by the dispersion (numpy, cluster-robust over buckets).

RT_K = 4
RT_PRIOR = (1, 100)  # live's rate before any data: 1 event in 100 requests
RT_SMALLEST = 0.001
RT_CLAMP = 1e-9


def rt_deltas(min_delta):
    return [max(min_delta, RT_SMALLEST) * 2.0 ** k for k in range(RT_K)]


def rt_start():
    return {"canary": {"trials": 0, "events": 0}, "live": {"trials": 0, "events": 0},
            "logLR": [0.0] * RT_K, "passLR": 0.0}


def rt_restarted(state, canary, live, one_arm=False):
    """Counts that went down (trials or events: a new revision) start the test over."""
    arms = [("canary", canary)] + ([] if one_arm else [("live", live)])
    return any(c[k] < state[a][k] for a, c in arms for k in ("trials", "events"))


RT_PASS_Z = 1.0  # live's lower bound in the pass side: estimate - 1 sd


def pass_step(live_before, n, x, min_delta):
    """The pass side's log LR of x canary events in n requests, "q + d" against "q", q live's
    lower bound from the looks before; 0 when the look is not bet on (no live data yet, live's
    rate not known to within d, or no positive expected gain at live's estimate)."""
    if n <= 0 or live_before["trials"] <= 0:
        return 0.0
    d = max(min_delta, RT_SMALLEST)
    est = (live_before["events"] + RT_PRIOR[0]) / (live_before["trials"] + RT_PRIOR[1])
    sd = math.sqrt(est * (1 - est) / (live_before["trials"] + RT_PRIOR[1]))
    if RT_PASS_Z * sd > d:
        return 0.0
    q = max(est - RT_PASS_Z * sd, est / 2, 1e-12)
    q1 = min(1 - RT_CLAMP, q + d)
    # expected log LR towards passing per request if the canary's rate is live's estimate:
    # E_est[log Bernoulli(q) - log Bernoulli(q1)], by scipy's entropy of the two distributions
    gain = float(stats.entropy([est, 1 - est], [q1, 1 - q1]) - stats.entropy([est, 1 - est], [q, 1 - q]))
    if not gain > 0:
        return 0.0
    return float(stats.binom.logpmf(x, n, q1) - stats.binom.logpmf(x, n, q))


def look_two_arms(state, canary, live, min_delta):
    if rt_restarted(state, canary, live):
        state = rt_start()
    a = canary["trials"] - state["canary"]["trials"]
    b = live["trials"] - state["live"]["trials"]
    x = canary["events"] - state["canary"]["events"]
    y = live["events"] - state["live"]["events"]
    E = x + y
    log_lr = list(state["logLR"])
    if a > 0 and b > 0 and E > 0:
        # live's rate BEFORE this look (predictable), with the 1-in-100 prior
        base = (state["live"]["events"] + RT_PRIOR[0]) / (state["live"]["trials"] + RT_PRIOR[1])
        rho0 = a / (a + b)
        for k, d in enumerate(rt_deltas(min_delta)):
            p_canary = min(1.0, base + d)  # the canary's rate under "worse by d"
            rho1 = p_canary * a / (p_canary * a + base * b)
            log_lr[k] += float(stats.binom.logpmf(x, E, rho1) - stats.binom.logpmf(x, E, rho0))
    pass_lr = state["passLR"] + pass_step(state["live"], a, x, min_delta)
    return {"canary": dict(canary), "live": dict(live), "logLR": log_lr, "passLR": pass_lr}


def baseline_bounds(baseline, alpha):
    """The baseline's rate and its one-sided upper bound at `alpha` (normal, add-one rate in the sd)."""
    n, e = baseline["trials"], baseline["events"]
    rate = e / n if n > 0 else 0.0
    p = (e + 1) / (n + 2)
    upper = rate + float(stats.norm.isf(alpha)) * math.sqrt(p * (1 - p) / max(1, n))
    return rate, min(1 - RT_CLAMP, upper)


def look_one_arm(state, canary, baseline, min_delta, alpha):
    if rt_restarted(state, canary, baseline, one_arm=True):
        state = rt_start()
    n = canary["trials"] - state["canary"]["trials"]
    x = canary["events"] - state["canary"]["events"]
    log_lr, pass_lr = list(state["logLR"]), state["passLR"]
    if n > 0:
        rate, upper = baseline_bounds(baseline, alpha / 2)
        p0 = max(upper, RT_CLAMP)
        for k, d in enumerate(rt_deltas(min_delta)):
            p1 = min(1 - RT_CLAMP, p0 + d)
            log_lr[k] += float(stats.binom.logpmf(x, n, p1) - stats.binom.logpmf(x, n, p0))
    pass_lr += pass_step(baseline, n, x, min_delta)
    return {"canary": dict(canary), "live": dict(baseline), "logLR": log_lr, "passLR": pass_lr}


LAST_LOOK_SHARE = 0.2  # of beta, for the fixed-sample pass test at the step's last look


def judge_rate_test(state, alpha, beta, phi, one_arm=False, last_look_delta=None):
    """The verdict; at the step's last look (last_look_delta = its minDelta) an undecided test
    passes when canary - live's one-sided upper bound at LAST_LOOK_SHARE x beta (normal,
    add-one variances times the dispersion, scipy's quantile) is within minDelta."""
    phi = max(1.0, phi)
    rollback = float(special.logsumexp([l / phi for l in state["logLR"]]) - math.log(RT_K))
    rollback_boundary = math.log(2 / alpha) if one_arm else math.log(1 / alpha)
    pass_ = -state["passLR"] / phi
    pass_boundary = math.log(1 / (beta * (1 - LAST_LOOK_SHARE)))
    outcome = "fail" if rollback >= rollback_boundary else "pass" if pass_ >= pass_boundary else "inconclusive"
    bound = None
    c, l = state["canary"], state["live"]
    if outcome == "inconclusive" and last_look_delta is not None and c["trials"] > 0 and l["trials"] > 0:
        diff = c["events"] / c["trials"] - l["events"] / l["trials"]
        se = math.sqrt(phi * (rate_variance(c["events"], c["trials"]) + rate_variance(l["events"], l["trials"])))
        upper = diff + float(stats.norm.isf(beta * LAST_LOOK_SHARE)) * se
        if upper <= max(last_look_delta, RT_SMALLEST):
            outcome, bound = "pass", upper
    return {"outcome": outcome, "rollback": rollback, "rollbackBoundary": rollback_boundary, "pass": pass_,
            "passBoundary": pass_boundary, "dispersion": phi, "lastLookBound": bound}


def cluster_variances(trials, events):
    """An arm's rate E / N: its jackknife variance over the non-empty buckets (CV3,
    (G - 1) / G x sum of (r - r without the bucket)^2, computed as the leave-one-out
    rates themselves) and the binomial variance with the add-one rate; None without trials."""
    n = np.asarray(trials, dtype=float)
    e = np.asarray(events, dtype=float)
    N, E = n.sum(), e.sum()
    if N <= 0:
        return None
    r = E / N
    used = (n > 0) & (n < N)
    G = int(used.sum())
    loo = (E - e[used]) / (N - n[used])  # the rate without each bucket
    robust = (G - 1) / G * float(np.dot(r - loo, r - loo)) if G > 1 else 0.0
    p = (E + 1) / (N + 2)
    return robust, p * (1 - p) / N


def dispersion_of(arms):
    vs = [v for v in (cluster_variances(a["trials"], a["events"]) for a in arms) if v is not None]
    binomial = sum(v[1] for v in vs)
    return max(1.0, sum(v[0] for v in vs) / binomial) if binomial > 0 else 1.0


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

WEIGHTS = {"error-rate": 4, "status-class": 1, "latency-p95": 3, "srm": 1, "shadow-agreement": 1,
           "shadow-delta": 1}
PER_STEP = ("error-rate", "status-class", "latency-p95", "srm")
RATE_TAU = 0.01
TAIL_TAU = 0.03
BETA = 0.05
CLASS_DELTA = 0.005
RANK = {"pass": 0, "inconclusive": 1, "fail": 2}


def gate_alphas(alpha, steps, shadow):
    gates = list(PER_STEP) + (["shadow-agreement", "shadow-delta"] if shadow else [])
    total = sum(WEIGHTS[g] for g in gates)
    return {g: alpha * WEIGHTS[g] / total / (steps if g in PER_STEP else 1) for g in gates}


def evidence(t, n_cand, n_ref):
    return {k: t[k] for k in ("effect", "lo", "hi", "bound", "statistic", "boundary", "alpha")} | {
        "candidate": n_cand, "reference": n_ref}


def rate_counts(a, what):
    """An arm's identified requests and their events of one kind; older metrics without user
    sums: the arm's totals (errors only: they never counted status classes)."""
    u = a.get("users")
    if u:
        return {"trials": sum(u["requests"]), "events": sum(u[what])}
    return {"trials": a["requests"], "events": a["errors"] if what == "errors" else 0}


def rate_gate(what, canary_arm, live_arm, one_arm, before, min_delta, alpha, beta, last_look=False):
    """One rate (errors, 4xx or 3xx share): the sequential test's look and verdict, and the
    interval the operator reads (the normal mixture of sequential.ts, its variance times the
    dispersion)."""
    canary, live = rate_counts(canary_arm, what), rate_counts(live_arm, what)
    state = (look_one_arm(before, canary, live, min_delta, alpha) if one_arm
             else look_two_arms(before, canary, live, min_delta))
    arms = [a["users"] for a in ([canary_arm] if one_arm else [canary_arm, live_arm]) if a.get("users")]
    phi = dispersion_of([{"trials": u["requests"], "events": u[what]} for u in arms])
    v = judge_rate_test(state, alpha, beta, phi, one_arm, min_delta if last_look else None)
    rate = lambda c: c["events"] / c["trials"] if c["trials"] > 0 else 0.0
    effect = rate(canary) - rate(live)
    both = canary["trials"] > 0 and live["trials"] > 0
    var = phi * (rate_variance(canary["events"], canary["trials"])
                 + (0.0 if one_arm else rate_variance(live["events"], live["trials"]))) if both else 1.0
    fixed = rate_variance(live["events"], live["trials"]) if one_arm and live["trials"] > 0 else 0.0
    margin = float(stats.norm.isf(alpha / 2)) * math.sqrt(fixed) if fixed > 0 else 0.0
    half = half_width(var, RATE_TAU, alpha / 2 if fixed > 0 else alpha) + margin
    passing = v["outcome"] == "pass"
    ev = {"effect": effect, "lo": effect - half, "hi": effect + half, "bound": min_delta,
          "statistic": v["pass"] if passing else v["rollback"],
          "boundary": v["passBoundary"] if passing else v["rollbackBoundary"], "alpha": alpha,
          "candidate": canary["trials"], "reference": live["trials"]}
    return {"outcome": v["outcome"], "state": state, "evidence": ev}


def gates_case(name, rules, alpha, steps, share_bp, step_index, metrics, baseline=None, reference=None,
               rate_tests=None, beta=None, last_look=False):
    """What evaluateGates must say: each gate's outcome and evidence, the latency reference and
    the rate tests kept."""
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
    # The rate tests take in every look, judged or not: their running state goes on.
    beta = BETA if beta is None else beta
    before = rate_tests or {}
    class_delta = rules.get("statusClass", {}).get("minDelta", CLASS_DELTA)
    errors = rate_gate("errors", canary, live, fixed, before.get("errors") or rt_start(),
                       rules["errorRate"]["minDelta"], alphas["error-rate"], beta, last_look)
    c4, c3 = (rate_gate(w, canary, live, fixed, before.get(w) or rt_start(), class_delta,
                        alphas["status-class"] / 2, beta, last_look) for w in ("clientErrors", "redirects"))
    kept = {"errors": errors["state"], "clientErrors": c4["state"], "redirects": c3["state"]}
    if enough:
        out.append({"gate": "error-rate", "outcome": errors["outcome"], "evidence": errors["evidence"]})
        # The class gate is as bad as its worse class, and shows that one's evidence (4xx on a tie).
        deciding = c3 if RANK[c3["outcome"]] > RANK[c4["outcome"]] else c4
        out.append({"gate": "status-class", "outcome": deciding["outcome"], "evidence": deciding["evidence"]})
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
        # srm, over distinct users: no count (too many users to count) passes, no users waits
        sp = metrics["split"]
        if sp is None:
            out.append({"gate": "srm", "outcome": "pass"})
        elif sp["canary"] + sp["others"] == 0:
            out.append({"gate": "srm", "outcome": "inconclusive"})
        else:
            r = srm(sp["canary"], sp["others"], share_bp / 10_000, alphas["srm"])
            out.append({"gate": "srm", "outcome": r["outcome"],
                        "evidence": {"effect": r["observedShare"], "lo": r["lo"], "hi": r["hi"],
                                     "bound": share_bp / 10_000, "statistic": r["statistic"],
                                     "boundary": r["boundary"], "alpha": alphas["srm"],
                                     "candidate": sp["canary"], "reference": sp["canary"] + sp["others"]}})
    c = {"name": name, "rules": rules, "alpha": alpha, "steps": steps, "shareBp": share_bp,
         "stepIndex": step_index, "metrics": metrics, "baseline": baseline, "latencyReference": reference}
    if rate_tests is not None:
        c["rateTests"] = rate_tests
    if beta != BETA:
        c["beta"] = beta
    return c | {"expected": out, "keptReferenceBucket": new_ref["bucket"] if new_ref else None,
                "keptRateTests": kept}


def arm(requests, errors, latency=None, users=None):
    a = {"requests": requests, "errors": errors, "p95Ms": None}
    if latency is not None:
        a["latencyMs"] = latency
        a["p95Ms"] = quantile_value(latency, 0.95)
    if users is not None:
        a["users"] = users
    return a


def warm(metrics, rules, fraction=0.2):
    """The rate tests as an earlier look of the same step left them: the same arms at
    `fraction` of their totals (the pass side bets only once live has data from a look before)."""
    def totals(a, key):
        u = a.get("users")
        if u is None:
            return {"trials": a["requests"], "events": a["errors"] if key == "errors" else 0}
        return {"trials": sum(u["requests"]), "events": sum(u[key])}
    def part(c):
        return {"trials": int(c["trials"] * fraction), "events": int(c["events"] * fraction)}
    class_delta = rules.get("statusClass", {}).get("minDelta", CLASS_DELTA)
    out = {}
    for key, d in (("errors", rules["errorRate"]["minDelta"]), ("clientErrors", class_delta),
                   ("redirects", class_delta)):
        out[key] = look_two_arms(rt_start(), part(totals(metrics["canary"], key)),
                                 part(totals(metrics["live"], key)), d)
    return out


URNG = np.random.default_rng(64)


def user_sums(requests, errors, client_errors=0, redirects=0, rng=URNG):
    """Per-bucket sums of iid users: requests multinomial over the 64 buckets, then the errors,
    the 4xx and the 3xx drawn without replacement from them (exact totals)."""
    n = rng.multinomial(requests, [1 / NB] * NB)
    out = {"requests": [int(v) for v in n]}
    left = n.copy()
    for key, k in (("errors", errors), ("clientErrors", client_errors), ("redirects", redirects)):
        got = rng.multivariate_hypergeometric(left, k) if k > 0 else np.zeros(NB, dtype=int)
        left = left - got
        out[key] = [int(v) for v in got]
    return out


def heavy_user(sums, bucket, requests, errors=0, client_errors=0, redirects=0):
    """One user's requests added to its bucket."""
    out = {k: list(v) for k, v in sums.items()}
    for key, k in (("requests", requests), ("errors", errors), ("clientErrors", client_errors),
                   ("redirects", redirects)):
        out[key][bucket] += k
    return out


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

# ---- rate-test vectors (test/vectors/rate-test.json) -------------------------------------

RNG = np.random.default_rng(20261207)


def cumulative_looks(looks, canary_per_look, live_per_look, canary_rate, live_rate, rng=RNG):
    """Cumulative counts after each look: binomial requests and events per look."""
    c, l, out = [0, 0], [0, 0], []
    for _ in range(looks):
        a, b = int(rng.poisson(canary_per_look)), int(rng.poisson(live_per_look))
        c = [c[0] + a, c[1] + int(rng.binomial(a, canary_rate))]
        l = [l[0] + b, l[1] + int(rng.binomial(b, live_rate))]
        out.append(({"trials": c[0], "events": c[1]}, {"trials": l[0], "events": l[1]}))
    return out


def rate_sequence(name, looks, min_delta, alpha, beta, baseline=None, phi=1.0):
    state, out = rt_start(), []
    for canary, live in looks:
        if baseline is None:
            state = look_two_arms(state, canary, live, min_delta)
        else:
            state = look_one_arm(state, canary, baseline, min_delta, alpha)
        v = judge_rate_test(state, alpha, beta, phi, baseline is not None)
        look = {"canary": canary} | ({"live": live} if baseline is None else {})
        out.append(look | {"logLR": state["logLR"], "passLR": state["passLR"], "verdict": v})
    case = {"name": name, "arms": 2 if baseline is None else 1, "minDelta": min_delta, "alpha": alpha,
            "beta": beta, "dispersion": phi, "looks": out}
    if baseline is not None:
        case["baseline"] = baseline
    return case


# 10,000 requests a minute at a 5% share, a look every 5 s: about 42 canary, 792 live requests a look.
A, B = 10_000 / 12 * 0.05, 10_000 / 12 * 0.95
aa = cumulative_looks(60, A, B, 0.01, 0.01)
worse = cumulative_looks(60, A, B, 0.03, 0.01)
better = cumulative_looks(60, A, B, 0.005, 0.01)
# A look where live had no requests (a deploy of live), then one where nothing came at all.
gap = cumulative_looks(3, A, B, 0.02, 0.01)
c, l = gap[-1]
gap.append(({"trials": c["trials"] + 40, "events": c["events"] + 2}, l))
gap.append(gap[-1])
c0, l0 = gap[-1]
gap += [({"trials": c0["trials"] + c["trials"], "events": c0["events"] + c["events"]},
         {"trials": l0["trials"] + l["trials"], "events": l0["events"] + l["events"]})
        for c, l in cumulative_looks(4, A, B, 0.02, 0.01)]
# A new revision: the counts start again (fewer trials); then another whose trials had already
# passed the old ones by the next look: only the events went down.
first, second = cumulative_looks(5, A, B, 0.01, 0.01), cumulative_looks(5, A, B, 0.03, 0.01)
restart = first + second
third = cumulative_looks(3, 400, 8000, 0.0, 0.01)
restart += [(c | {"trials": c["trials"] + second[-1][0]["trials"]}, l | {"trials": l["trials"] + second[-1][1]["trials"]})
            for c, l in third]
BASE = {"trials": 228_000, "events": 2280}
one_same = [(c, None) for c, _ in cumulative_looks(40, 800, 0, 0.01, 0.0)]
one_worse = [(c, None) for c, _ in cumulative_looks(40, 800, 0, 0.03, 0.0)]
one_zero = [(c, None) for c, _ in cumulative_looks(10, 800, 0, 0.0, 0.0)]
heavy = cumulative_looks(30, 4 * A, 4 * B, 0.01, 0.01)

rate_tests = [
    rate_sequence("A/A at 1%, 5% share, 10,000 rpm, 5 s looks", aa, 0.005, 0.001, 0.05),
    rate_sequence("1% -> 3%, 5% share: rolls back", worse, 0.005, 0.001, 0.05),
    rate_sequence("better canary: 0.5% vs 1%: passes, the rollback side falls", better, 0.005, 0.001, 0.05),
    rate_sequence("minDelta 0: alternatives 0.1 pp x 1, 2, 4, 8 (A/A)", aa[:30], 0.0, 0.001, 0.05),
    rate_sequence("minDelta 0: 1% -> 3% rolls back", worse[:30], 0.0, 0.001, 0.05),
    rate_sequence("a look with no live requests, then one with no requests at all", gap, 0.005, 0.001, 0.05),
    rate_sequence("counts that restart (a new revision): the test starts over", restart, 0.005, 0.001, 0.05),
    rate_sequence("no events in either arm: the rollback side has nothing, the pass side passes on the canary", [
        ({"trials": 1000 * i, "events": 0}, {"trials": 19000 * i, "events": 0}) for i in range(1, 6)],
        0.005, 0.001, 0.05),
    rate_sequence("live's rate not yet known to within minDelta (30 live requests a look): the pass side waits", [
        ({"trials": 10 * i, "events": 0}, {"trials": 30 * i, "events": 0}) for i in range(1, 8)],
        0.005, 0.001, 0.05),
    rate_sequence("judged with dispersion 1", heavy, 0.005, 0.001, 0.05, phi=1.0),
    rate_sequence("judged with dispersion 3 (same looks)", heavy, 0.005, 0.001, 0.05, phi=3.0),
    rate_sequence("one arm: 1% against a fixed 1% of 228,000", one_same, 0.005, 0.001, 0.05, baseline=BASE),
    rate_sequence("one arm: 3% against a fixed 1% of 228,000", one_worse, 0.005, 0.001, 0.05, baseline=BASE),
    rate_sequence("one arm, dispersion 2: 1% against 1%", one_same, 0.005, 0.001, 0.05, baseline=BASE, phi=2.0),
    rate_sequence("one arm: no errors against a baseline with none", one_zero, 0.005, 0.001, 0.05,
                  baseline={"trials": 50_000, "events": 0}),
]

# Dispersion: 64 buckets per arm.
NB = 64


def iid_buckets(requests_per_bucket, rate, rng):
    n = rng.poisson(requests_per_bucket, NB)
    return {"trials": [int(v) for v in n], "events": [int(v) for v in rng.binomial(n, rate)]}


DRNG = np.random.default_rng(7)
iid_c, iid_l = iid_buckets(180, 0.01, DRNG), iid_buckets(3500, 0.01, DRNG)
heavy_c = {"trials": list(iid_c["trials"]), "events": list(iid_c["events"])}
heavy_c["trials"][17] += 500
heavy_c["events"][17] += 500
zeros = {"trials": [0] * NB, "events": [0] * NB}
no_events = {"trials": iid_c["trials"], "events": [0] * NB}
few_heavy = {"trials": [0] * NB, "events": [0] * NB}
for b, (t, ev) in {3: (120, 12), 9: (90, 0), 20: (60, 0)}.items():
    few_heavy["trials"][b], few_heavy["events"][b] = t, ev
for b in range(30, 40):
    few_heavy["trials"][b] = 3
one_bucket = {"trials": [0] * 5 + [900] + [0] * 58, "events": [0] * 5 + [30] + [0] * 58}
dispersion_cases = []
for name, arms in [
    ("iid canary and live at 1%: about 1 (never below)", [iid_c, iid_l]),
    ("iid canary alone", [iid_c]),
    ("one heavy user: 500 failing requests in one canary bucket", [heavy_c, iid_l]),
    ("the heavy user's arm alone", [heavy_c]),
    ("a small canary whose one heavy user holds its errors (the jackknife sees it)", [few_heavy]),
    ("empty arms: 1", [zeros, zeros]),
    ("no arms: 1", []),
    ("an empty arm beside a live one", [zeros, iid_l]),
    ("rate 0 in both arms: 1", [no_events, {"trials": iid_l["trials"], "events": [0] * NB}]),
    ("one bucket only (no spread to measure): 1", [one_bucket]),
]:
    vs = [cluster_variances(a["trials"], a["events"]) for a in arms]
    dispersion_cases.append({"name": name, "arms": arms, "dispersion": dispersion_of(arms),
                             "variances": [None if v is None else {"robust": v[0], "binomial": v[1]} for v in vs]})

with open(os.path.join(ROOT, "test", "vectors", "rate-test.json"), "w") as f:
    json.dump({
        "description": "Vectors for src/core/rollout/rate-test.ts and dispersion.ts. Generated by scripts/tools/sequential_vectors.py from the modules' headers: each look's log likelihood ratios by scipy.stats.binom.logpmf (the canary's share of the look's events, Binomial(E, rho), for two arms; Bernoulli requests against the baseline's bound for one arm), the rollback mixture by scipy.special.logsumexp, the dispersion as the jackknife (CV3) variance of the ratio estimator over the non-empty buckets, from numpy's leave-one-bucket-out rates, over the add-one binomial variance, at least 1. Counts are cumulative per look; looks are random draws (numpy, fixed seeds) stored as they are. logLR, passLR, rollback and pass are natural logs.",
        "rateTests": rate_tests,
        "dispersion": dispersion_cases,
    }, f, indent=2)
    f.write("\n")
for c in rate_tests:
    last = c["looks"][-1]["verdict"]
    first = next((i for i, l in enumerate(c["looks"]) if l["verdict"]["outcome"] != "inconclusive"), None)
    print(f"{last['outcome']:>12} (first decided at look {first})  rollback={last['rollback']:.3f}  pass={last['pass']:.3f}  {c['name']}")
for c in dispersion_cases:
    print(f"  dispersion {c['dispersion']:.6f}  {c['name']}")

# Gate vectors: a 5-step plan (alpha split by 5 for per-step gates), with and without shadow gates.
RULES = {"minRequests": 200, "errorRate": {"minDelta": 0.005}, "statusClass": {"minDelta": 0.005},
         "latencyP95Ratio": {"max": 1.1, "minDeltaMs": 25}}
SHADOW_RULES = RULES | {"shadow": {"minAgreement": 0.95, "maxMeanAbsDelta": 0.05, "minPairs": 100}}
L0 = lat(4000)  # live's answered requests when the step's latency reference was set
C0 = lat(210)
REF = {"stepIndex": 1, "revision": "7@1", "bucket": p95_threshold(L0["counts"]),
       "live": L0["counts"], "canary": C0["counts"],
       "judged": {"canary": 0, "canaryAbove": 0, "live": 0, "liveAbove": 0}}
LIVE = plus(L0, lat(224000))  # 228,000 live requests in all
split = lambda c, o: {"canary": c, "others": o}
TAIL = {"bucket": REF["bucket"], "requests": 224000, "above": above(lat(224000)["counts"], REF["bucket"])}
# Live's identified requests: 1% errors, 2% 4xx, 1% 3xx, spread over iid users.
LIVE_USERS = user_sums(228000, 2280, 4560, 2280)
BASELINE = {"requests": 228000, "errors": 2280, "p95Ms": 230.0, "tail": TAIL, "users": LIVE_USERS}
# The split check counts users: about 12,000 of them at 20 requests each, unless given.


def step(canary_requests, canary_errors, canary_latency, shadow=None, split_canary=None, revision="7@1",
         users=None, split_users=None):
    """A 5% step with 228,000 live requests; the canary's users at live's status mix unless given."""
    users = users if users is not None else user_sums(canary_requests, canary_errors, round(canary_requests * 0.02),
                                                      round(canary_requests * 0.01))
    k = 600 if split_canary is None else split_canary
    return {"live": arm(228000, 2280, LIVE, LIVE_USERS),
            "canary": arm(canary_requests, canary_errors, canary_latency, users),
            "split": split_users if split_users is not None else split(k, 12000 - k), "shadow": shadow,
            "revision": revision}


def shadow(pairs, agreed, n, median, sigma):
    h = hist(lognormal_counts(n, median, sigma, ABS), ABS)
    return {"pairs": pairs, "agreementRate": agreed / pairs, "meanAbsDelta": h["sum"] / h["n"], "agreed": agreed,
            "absDelta": h}


HEALTHY = plus(C0, lat(11790))
HEALTHY_USERS = user_sums(12000, 120, 240, 120)
# A heavy user whose 500 requests all fail, in one bucket of an A/A canary.
HEAVY_FAILING = heavy_user(HEALTHY_USERS, 17, 500, errors=500)
# A client that sends 600 requests under one user id (all answered): one user more, not 600.
LOOPING = heavy_user(HEALTHY_USERS, 41, 600)
assert srm(12600, 228000, 0.05, 0.01 / 9 / 5)["outcome"] == "fail"  # counted by request, it would fail
small = step(3000, 30, plus(C0, lat(2790)))
small["live"] = arm(57000, 570, plus(L0, lat(53000)), user_sums(57000, 570, 1140, 570))
small["split"] = split(150, 2850)
# Two looks of one step: 2,400 canary and 45,600 live requests, then 12,000 and 228,000.
add_sums = lambda a, b: {k: [x + y for x, y in zip(a[k], b[k])] for k in a}
first_live = user_sums(45600, 456, 912, 456)
first_look = gates_case("first look of a step (a prior of 1% for live): a rate test to carry on", RULES, 0.01, 5,
                        500, 1, step(2400, 24, plus(C0, lat(2190)), split_users=split(120, 2280))
                        | {"live": arm(45600, 456, plus(L0, lat(41600)), first_live)}, reference=REF)
next_metrics = step(12000, 120, HEALTHY, users=add_sums(first_look["metrics"]["canary"]["users"],
                                                        user_sums(9600, 96, 192, 96)))
next_metrics["live"] = arm(228000, 2280, LIVE, add_sums(first_live, user_sums(182400, 1824, 3648, 1824)))
gates = [
    gates_case("too few canary requests: only min-requests, inconclusive", RULES, 0.01, 5, 500, 1,
               {"live": arm(3000, 30, lat(3000), user_sums(3000, 30, 60, 30)),
                "canary": arm(150, 1, lat(150), user_sums(150, 1, 3, 1)), "split": split(8, 142),
                "shadow": None, "revision": "7@1"}),
    gates_case("first look with enough live latency: the reference is set, latency waits", RULES, 0.01, 5, 500, 1,
               {"live": arm(3990, 40, L0, user_sums(3990, 40, 80, 40)),
                "canary": arm(210, 2, C0, user_sums(210, 2, 4, 2)), "split": split(11, 199),
                "shadow": None, "revision": "7@1"}),
    gates_case("a reference of another revision is replaced (and latency waits)", RULES, 0.01, 5, 500, 1,
               {"live": arm(3990, 40, L0, user_sums(3990, 40, 80, 40)),
                "canary": arm(210, 2, C0, user_sums(210, 2, 4, 2)), "split": split(11, 199),
                "shadow": None, "revision": "8@2"}, reference=REF),
    gates_case("healthy with plenty of traffic, latency reference held, an earlier look: all pass", RULES, 0.01,
               5, 500, 1, step(12000, 120, HEALTHY, users=HEALTHY_USERS), reference=REF,
               rate_tests=warm(step(12000, 120, HEALTHY, users=HEALTHY_USERS), RULES)),
    gates_case("healthy but little traffic: error rate inconclusive", RULES, 0.01, 5, 500, 1, small,
               reference=REF),
    gates_case("error rate 2.9% vs 1.0%: fail", RULES, 0.01, 5, 500, 1,
               step(12000, 348, HEALTHY), reference=REF),
    gates_case("canary p95 +50%: latency fails", RULES, 0.01, 5, 500, 1,
               step(12000, 120, plus(C0, lat(11790, 150.0)), users=HEALTHY_USERS), reference=REF),
    gates_case("canary p95 +5%: within the allowance", RULES, 0.01, 5, 500, 1,
               step(12000, 120, plus(C0, lat(11790, 105.0)), users=HEALTHY_USERS), reference=REF),
    gates_case("users split 6% for a 5% share: SRM fails (the rollout pauses)", RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, users=HEALTHY_USERS, split_users=split(720, 11280)), reference=REF),
    gates_case("a client sends 600 requests under one user id: SRM on users passes", RULES, 0.01, 5, 500, 1,
               step(12600, 120, plus(HEALTHY, lat(600)), users=LOOPING, split_users=split(601, 11400)),
               reference=REF),
    gates_case("too many users to count: the split check passes on the step's first users", RULES, 0.01, 5, 500,
               1, step(12000, 120, HEALTHY, users=HEALTHY_USERS, split_users=None) | {"split": None},
               reference=REF),
    gates_case("A/A with one heavy user whose 500 requests all fail: the dispersion keeps error-rate from failing",
               RULES, 0.01, 5, 500, 1, step(12500, 620, plus(HEALTHY, lat(500)), users=HEAVY_FAILING),
               reference=REF),
    gates_case("4xx 0.3% of the canary vs 0% of live, plenty of traffic: status-class fails", RULES, 0.01, 5, 500,
               1, step(12000, 120, HEALTHY, users=user_sums(12000, 120, 36, 120))
               | {"live": arm(228000, 2280, LIVE, user_sums(228000, 2280, 0, 2280))}, reference=REF),
    gates_case("3xx 3% vs 1%: status-class fails on the redirects", RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, users=user_sums(12000, 120, 240, 360)), reference=REF),
    gates_case("no 3xx in either arm, an earlier look: the canary's requests alone pass it", RULES, 0.01, 5, 500,
               1, step(12000, 120, HEALTHY, users=user_sums(12000, 120, 240, 0))
               | {"live": arm(228000, 2280, LIVE, user_sums(228000, 2280, 4560, 0))}, reference=REF,
               rate_tests=warm(step(12000, 120, HEALTHY, users=user_sums(12000, 120, 240, 0))
                               | {"live": arm(228000, 2280, LIVE, user_sums(228000, 2280, 4560, 0))}, RULES)),
    gates_case("metrics without user sums (older isolates): the totals' errors, no status classes", RULES, 0.01,
               5, 500, 1, {"live": arm(228000, 2280, LIVE), "canary": arm(12000, 120, HEALTHY),
                           "split": split(600, 11400), "shadow": None, "revision": "7@1"}, reference=REF),
    gates_case("no latency data at all: latency inconclusive", RULES, 0.01, 5, 500, 1,
               {"live": arm(228000, 2280, users=LIVE_USERS), "canary": arm(12000, 120, users=HEALTHY_USERS),
                "split": split(600, 11400), "shadow": None, "revision": "7@1"}),
    first_look,
    gates_case("the next look adds only the requests since the first: its test goes on", RULES, 0.01, 5, 500, 1,
               next_metrics, reference=REF, rate_tests=first_look["keptRateTests"]),
    gates_case("the same counts under a stricter beta (0.01): passing takes more", RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, users=HEALTHY_USERS), reference=REF, beta=0.01),
    gates_case("100% step against the previous step's baseline: all pass", RULES, 0.01, 5, 10_000, 4,
               {"live": arm(0, 0), "canary": arm(60000, 600, lat(60000), user_sums(60000, 600, 1200, 600)),
                "split": split(3000, 0), "shadow": None, "revision": "9@3"}, baseline=BASELINE),
    gates_case("100% step, canary at 3% vs the baseline's 1%: fail", RULES, 0.01, 5, 10_000, 4,
               {"live": arm(0, 0), "canary": arm(8000, 240, lat(8000), user_sums(8000, 240, 160, 80)),
                "split": split(400, 0), "shadow": None, "revision": "9@3"}, baseline=BASELINE),
    gates_case("100% step without a baseline: min-requests inconclusive", RULES, 0.01, 5, 10_000, 4,
               {"live": arm(0, 0), "canary": arm(8000, 80, lat(8000), user_sums(8000, 80, 160, 80)),
                "split": split(400, 0), "shadow": None, "revision": "9@3"}),
    gates_case("shadow agreeing 98% with small |delta|: shadow gates pass", SHADOW_RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, shadow(3000, 2940, 3000, 0.01, 0.8), users=HEALTHY_USERS),
               reference=REF, rate_tests=warm(step(12000, 120, HEALTHY, users=HEALTHY_USERS), RULES)),
    gates_case("shadow agreeing 90%: shadow-agreement fails", SHADOW_RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, shadow(1000, 900, 1000, 0.01, 0.8), users=HEALTHY_USERS),
               reference=REF),
    gates_case("shadow |delta| around 0.1: shadow-delta fails", SHADOW_RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, shadow(1000, 990, 1000, 0.08, 0.5), users=HEALTHY_USERS),
               reference=REF),
    gates_case("too few shadow pairs: shadow gates inconclusive", SHADOW_RULES, 0.01, 5, 500, 1,
               step(12000, 120, HEALTHY, shadow(40, 40, 40, 0.01, 0.8), users=HEALTHY_USERS), reference=REF),
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


def rule_verdict(plan, status, gates, now):
    """The state machine's rules: a failing gate rolls back (even paused at the limit); a
    failing split check (SRM) pauses instead, unless already paused at the limit; ..."""
    step = plan["steps"][status["stepIndex"]]
    watching = status["state"] == "paused" and status.get("pausedAtLimit")
    if status["state"] != "progressing" and not watching:
        return "none"
    if any(o == "fail" for g, o in gates if g != "srm"):
        return "rollback"
    if any(o == "fail" for g, o in gates if g == "srm") and not watching:
        return "pause"
    if watching:
        return "none"
    baked = now - status["stepStartedAt"]
    if baked < step["bakeSeconds"] * 1000:
        return "bake"
    if any(o == "inconclusive" for _, o in gates):
        return "hold" if baked - step["bakeSeconds"] * 1000 < plan["maxExtensionSeconds"] * 1000 else "pause"
    return "advance" if status["stepIndex"] + 1 < len(plan["steps"]) else "promote"


def traffic(share_bp, canary_n, canary_errors, live_errors_rate=0.01, canary_median=100.0, split_canary=None,
            shadow_view=None, step_index=0, canary_4xx=None, canary_users=None):
    """A step's metrics with `canary_n` canary requests at share_bp (20 requests a user), iid
    users with live's 2% 4xx and 1% 3xx unless given, and the latency reference held."""
    live_n = round(canary_n * (10_000 - share_bp) / share_bp)
    ref_live, ref_canary = lat(4000), lat(max(1, round(4000 * share_bp / (10_000 - share_bp))))
    live_h = plus(ref_live, lat(max(0, live_n - 4000)))
    canary_h = plus(ref_canary, lat(max(1, canary_n - sum(ref_canary["counts"].values())), canary_median))
    users = (canary_n + live_n) // 20
    k = round(users * share_bp / 10_000) if split_canary is None else split_canary
    revision = f"{10 + step_index}@1"
    live_e = round(live_n * live_errors_rate)
    c4 = round(canary_n * 0.02) if canary_4xx is None else canary_4xx
    metrics = {"live": arm(live_n, live_e, live_h, user_sums(live_n, live_e, round(live_n * 0.02),
                                                             round(live_n * 0.01))),
               "canary": arm(canary_n, canary_errors, canary_h,
                             canary_users or user_sums(canary_n, canary_errors, c4, round(canary_n * 0.01))),
               "split": {"canary": k, "others": users - k}, "shadow": shadow_view, "revision": revision}
    reference = {"stepIndex": step_index, "revision": revision,
                 "bucket": p95_threshold(ref_live["counts"]), "live": ref_live["counts"],
                 "canary": ref_canary["counts"],
                 "judged": {"canary": 0, "canaryAbove": 0, "live": 0, "liveAbove": 0}}
    return metrics, reference


def status(step_index, state="progressing", reference=None, baseline=None, paused_at_limit=False,
           rate_tests=None):
    s = {"state": state, "stepIndex": step_index, "stepStartedAt": 0, "startedAt": 0, "updatedAt": 0}
    if reference is not None:
        s["latencyReference"] = reference
    if baseline is not None:
        s["baseline"] = baseline
    if rate_tests is not None:
        s["rateTests"] = rate_tests
    if paused_at_limit:
        s["pausedAtLimit"] = True
    return s


GOOD_SHADOW = shadow(3000, 2940, 3000, 0.01, 0.8)
progression = []


def case(name, verdict, change, nxt, st, metrics, now, plan_over=None):
    """A case, checked against this file's rules; returns the gates' verdicts (for a next look)."""
    plan = PLAN | (plan_over or {})
    step = plan["steps"][st["stepIndex"]]
    full = step["shareBp"] >= 10_000
    g = gates_case(name, plan["gates"], plan["alpha"], len(plan["steps"]), step["shareBp"], st["stepIndex"],
                   metrics, baseline=st.get("baseline") if full else None, reference=st.get("latencyReference"),
                   rate_tests=st.get("rateTests"), beta=plan.get("beta"),
                   last_look=(st["state"] == "progressing"
                              and now - st["stepStartedAt"] >= (step["bakeSeconds"] + plan["maxExtensionSeconds"]) * 1000))
    gates_out = [[x["gate"], x["outcome"]] for x in g["expected"]]
    got = rule_verdict(plan, st, gates_out, now)
    assert got == verdict, (name, got, verdict, g["expected"])
    # The rate tests the next status holds: this look's, none once the step is over, and the
    # status as it was when nothing acts (not progressing, or watching at the limit).
    acted = st["state"] == "progressing" or (st["state"] == "paused" and st.get("pausedAtLimit"))
    kept = (None if verdict == "advance" else g["keptRateTests"] if verdict != "none"
            else st.get("rateTests"))
    c = {"name": name, "status": st, "metrics": metrics, "now": now, "verdict": verdict, "change": change,
         "next": nxt, "gates": gates_out if acted else [], "rateTests": kept}
    if plan_over:
        c["plan"] = plan_over
    progression.append(c)
    return g


healthy, ref0 = traffic(500, 12000, 120, shadow_view=GOOD_SHADOW)
thin, thin_ref = traffic(500, 3000, 30, shadow_view=GOOD_SHADOW)
failing, _ = traffic(500, 3000, 150, shadow_view=GOOD_SHADOW)
slow, _ = traffic(500, 12000, 120, canary_median=150.0, shadow_view=GOOD_SHADOW)
within, _ = traffic(500, 150000, 1800, shadow_view=GOOD_SHADOW)  # 1.2% vs 1%: inside minDelta
mismatch, _ = traffic(500, 12000, 120, split_canary=720, shadow_view=GOOD_SHADOW)  # 6% of 12,000 users
mismatch_failing, _ = traffic(500, 3000, 150, split_canary=180, shadow_view=GOOD_SHADOW)
clients_4xx, _ = traffic(500, 12000, 120, shadow_view=GOOD_SHADOW, canary_4xx=600)  # 5% vs 2%
disagree, _ = traffic(500, 12000, 120, shadow_view=shadow(1000, 900, 1000, 0.01, 0.8))
far, _ = traffic(500, 12000, 120, shadow_view=shadow(1000, 990, 1000, 0.08, 0.5))
few_pairs, _ = traffic(500, 12000, 120, shadow_view=shadow(40, 40, 40, 0.01, 0.8))
no_shadow, _ = traffic(500, 12000, 120, shadow_view=None)
healthy2, ref1 = traffic(2500, 30000, 300, shadow_view=GOOD_SHADOW, step_index=1)
heavy_canary = heavy_user(healthy["canary"]["users"], 9, 500, errors=500)
heavy, _ = traffic(500, 12500, 620, shadow_view=GOOD_SHADOW, canary_users=heavy_canary)
BASE = {"requests": 90000, "errors": 900, "p95Ms": 230.0,
        "tail": {"bucket": ref1["bucket"], "requests": 86000,
                 "above": above(lat(86000)["counts"], ref1["bucket"])},
        "users": user_sums(90000, 900, 1800, 900)}
full_good = {"live": arm(0, 0), "canary": arm(60000, 600, lat(60000), user_sums(60000, 600, 1200, 600)),
             "split": {"canary": 3000, "others": 0}, "shadow": GOOD_SHADOW, "revision": "12@1"}
full_bad = {"live": arm(0, 0), "canary": arm(8000, 240, lat(8000), user_sums(8000, 240, 160, 80)),
            "split": {"canary": 400, "others": 0}, "shadow": GOOD_SHADOW, "revision": "12@1"}
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
     status(0, reference=ref0, rate_tests=warm(healthy, PLAN["gates"])), healthy, 10 * MIN)
case("error rate worse but within minDelta (1.2% vs 1%): shown within, advance", "advance",
     {"kind": "set-share", "shareBp": 2500}, {"state": "progressing", "stepIndex": 1},
     status(0, reference=ref0, rate_tests=warm(within, PLAN["gates"])), within, 11 * MIN)
case("canary p95 +50%: roll back", "rollback", {"kind": "kill"}, {"state": "rolled-back", "stepIndex": 0},
     status(0, reference=ref0), slow, 3 * MIN)
case("4xx share 5% vs 2%: status-class rolls back", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 0}, status(0, reference=ref0), clients_4xx, 3 * MIN)
case("users split 6% for a 5% share: pause (the comparison cannot be trusted), no rollback", "pause", None,
     {"state": "paused", "stepIndex": 0}, status(0, reference=ref0), mismatch, 11 * MIN)
case("users split off and error rate 5% vs 1%: the failing gate rolls back", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 0}, status(0, reference=ref0), mismatch_failing, 2 * MIN)
case("paused on a broken split: nothing more while the split stays broken", "none", None,
     {"state": "paused", "stepIndex": 0}, status(0, "paused", ref0, paused_at_limit=True), mismatch, 12 * MIN)
case("A/A with one heavy user whose 500 requests all fail: no rollback, error rate waits", "hold", None,
     progressing, status(0, reference=ref0), heavy, 11 * MIN)
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
case("undecided at bake + maxExtensionSeconds but the step's sample is within minDelta: the last look passes it",
     "advance", {"kind": "set-share", "shareBp": 2500}, {"state": "progressing", "stepIndex": 1},
     status(0, reference=ref0), healthy, 70 * MIN)
case("the same traffic before the limit: the sequential test alone has not passed it, hold", "hold", None,
     progressing, status(0, reference=ref0), healthy, 69 * MIN)
case("paused at the limit: a failing canary still rolls back", "rollback", {"kind": "kill"},
     {"state": "rolled-back", "stepIndex": 0}, status(0, "paused", ref0, paused_at_limit=True), failing,
     80 * MIN)
case("paused at the limit, nothing failing: wait for the operator", "none", None,
     {"state": "paused", "stepIndex": 0}, status(0, "paused", thin_ref, paused_at_limit=True), thin, 80 * MIN)
# Two looks of one step: the first one's rate tests are the second one's start.
look1 = case("first look, thin traffic: bake, the rate tests kept", "bake", None, progressing,
             status(0, reference=thin_ref), thin, 2 * MIN)
case("next look goes on from the kept rate tests: advance, and the next step starts without them", "advance",
     {"kind": "set-share", "shareBp": 2500}, {"state": "progressing", "stepIndex": 1},
     status(0, reference=ref0, rate_tests=look1["keptRateTests"]), healthy, 10 * MIN)
case("a stricter beta (0.0001): the same healthy traffic is not yet enough, hold", "hold", None, progressing,
     status(0, reference=ref0), healthy, 10 * MIN, {"beta": 0.0001})
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
        "description": "Rollout progression: what evaluateRollout(plan, status, metrics, now) does next, each gate's outcome and the rate tests the next status holds. Expectations follow the rules in src/core/rollout/state-machine.ts (a failing gate rolls back at once, even paused at the limit; a failing split check pauses instead; bake; hold while inconclusive up to maxExtensionSeconds past the bake, then pause; advance, dropping the step's rate tests; promote); each case's verdict was written by hand and checked by scripts/tools/sequential_vectors.py against its own implementation of the gates. Histogram counts are stored once under \"counts\" and named \"@n\". Run in Node and in workerd.",
        "plan": PLAN,
        "cases": progression,
    }), f, indent=2)
    f.write("\n")
for c in progression:
    print(f"{c['verdict']:>9}  {c['name']}")

# The repository's formatter lays out short arrays on one line: keep `npm run lint` clean.
written = [os.path.join(ROOT, "test", "vectors", f)
           for f in ("sequential.json", "rate-test.json", "gates.json", "rollout-progression.json")]
try:
    subprocess.run(["npx", "biome", "format", "--write", *written], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
except OSError:
    print("npx not found: run `npx biome format --write test/vectors` before committing")
