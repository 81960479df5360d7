"""Build-time only: writes test/vectors/sequential.json.

Reference values for src/core/rollout/sequential.ts, computed a different
way than the module does: the mixture likelihood ratios by numerical
integration (scipy.integrate.quad) of the likelihood ratio over the mixing
distribution, and the anytime-valid interval by root finding (brentq) on
that integral, instead of the closed forms. The SRM Bayes factor is
integrated the same way and checked against scipy's betaln closed form.

Run from the repository root:  python3 scripts/gates/sequential_vectors.py
(needs Python 3 with scipy; the router never runs this).
"""
import json
import math
import os

from scipy import integrate, optimize, special


def arm_variance(errors, requests):
    # Agresti-Caffo add-one rate, used in the variance only (as documented).
    p = (errors + 1) / (requests + 2)
    return p * (1 - p) / requests


def log_mixture_lr(d_hat, v, theta0, tau):
    """log of int N(d_hat; t, v) / N(d_hat; theta0, v) dN(t; theta0, tau^2), by quadrature."""
    x = d_hat - theta0

    def log_integrand(u):
        return u * x / v - u * u / (2 * v) - u * u / (2 * tau * tau) - math.log(tau * math.sqrt(2 * math.pi))

    # The integrand is a Gaussian bump in u; centre and scale the quadrature on it.
    prec = 1 / v + 1 / (tau * tau)
    mode = (x / v) / prec
    sd = 1 / math.sqrt(prec)
    peak = log_integrand(mode)
    val, _ = integrate.quad(lambda z: math.exp(log_integrand(mode + sd * z) - peak), -40, 40, epsabs=0, epsrel=1e-12, limit=200)
    return peak + math.log(val * sd)


def error_rate_case(name, cand, live, alpha, min_delta, tau=0.01):
    nc, ec = cand
    nl, el = live
    rc, rl = ec / nc, el / nl
    d = rc - rl
    v = arm_variance(ec, nc) + arm_variance(el, nl)
    boundary = math.log(1 / alpha)
    stat = log_mixture_lr(d, v, min_delta, tau)

    def excess(theta):
        return log_mixture_lr(d, v, theta, tau) - boundary

    # The interval is where the LR against theta stays below 1/alpha.
    step = math.sqrt(v)
    far = step
    while excess(d + far) < 0:
        far *= 2
    hi = optimize.brentq(excess, d, d + far, xtol=1e-14, rtol=1e-13)
    far = step
    while excess(d - far) < 0:
        far *= 2
    lo = optimize.brentq(excess, d - far, d, xtol=1e-14, rtol=1e-13)
    lo, hi = max(-1.0, lo), min(1.0, hi)
    outcome = "fail" if lo > min_delta else "pass" if hi < min_delta else "inconclusive"
    return {
        "name": name,
        "candidate": {"requests": nc, "errors": ec},
        "live": {"requests": nl, "errors": el},
        "alpha": alpha,
        "minDelta": min_delta,
        "mixingSd": tau,
        "statistic": stat,
        "boundary": boundary,
        "effect": d,
        "lo": lo,
        "hi": hi,
        "outcome": outcome,
    }


def srm_case(name, canary, others, share, alpha, c=100):
    a, b = c * share, c * (1 - share)
    n = canary + others

    def log_integrand(p):
        return (canary * math.log(p / share) + others * math.log((1 - p) / (1 - share))
                + (a - 1) * math.log(p) + (b - 1) * math.log(1 - p) - special.betaln(a, b))

    # Posterior mode / sd of Beta(a + k, b + m) to centre the quadrature.
    pa, pb = a + canary, b + others
    mean = pa / (pa + pb)
    sd = math.sqrt(pa * pb / ((pa + pb) ** 2 * (pa + pb + 1)))
    lo, hi = max(1e-300, mean - 40 * sd), min(1 - 1e-16, mean + 40 * sd)
    peak = max(log_integrand(p) for p in [mean, max(lo, mean - sd), min(hi, mean + sd)])
    val, _ = integrate.quad(lambda p: math.exp(log_integrand(p) - peak), lo, hi, points=[mean], epsabs=0, epsrel=1e-12, limit=400)
    stat = peak + math.log(val)
    closed = (special.betaln(a + canary, b + others) - special.betaln(a, b)
              - canary * math.log(share) - others * math.log(1 - share))
    assert abs(stat - closed) < 1e-6 * max(1, abs(closed)), (name, stat, closed)
    boundary = math.log(1 / alpha)
    return {
        "name": name,
        "canary": canary,
        "others": others,
        "expectedShare": share,
        "alpha": alpha,
        "concentration": c,
        "statistic": stat,
        "boundary": boundary,
        "outcome": "fail" if stat >= boundary else "pass",
    }


error_rate = [
    error_rate_case("A/A, 1% both arms, 1,000 each", (1000, 10), (1000, 10), 0.01, 0.005),
    error_rate_case("A/A at scale: 1% both, 50,000 canary / 950,000 live", (50000, 500), (950000, 9500), 0.01, 0.005),
    error_rate_case("clear regression: 5% vs 1%, 2,000 each", (2000, 100), (2000, 20), 0.01, 0.005),
    error_rate_case("regression too early to call: 3% vs 1%, 300 each", (300, 9), (300, 3), 0.01, 0.005),
    error_rate_case("1% -> 2% with 5,000 canary / 95,000 live", (5000, 100), (95000, 950), 0.01, 0.005),
    error_rate_case("within minDelta: 1.2% vs 1%, 20,000 each", (20000, 240), (20000, 200), 0.01, 0.005),
    error_rate_case("zero errors in both arms, 10,000 each", (10000, 0), (10000, 0), 0.01, 0.005),
    error_rate_case("candidate better: 0.5% vs 2%, 5,000 each", (5000, 25), (5000, 100), 0.01, 0.005),
    error_rate_case("alpha 0.05 flips a borderline case", (3000, 60), (3000, 27), 0.05, 0.0),
    error_rate_case("same case at alpha 0.01", (3000, 60), (3000, 27), 0.01, 0.0),
    error_rate_case("wide mixing (tau 0.05) on a large regression", (800, 80), (8000, 80), 0.01, 0.005, 0.05),
    error_rate_case("narrow mixing (tau 0.002) on the same counts", (800, 80), (8000, 80), 0.01, 0.005, 0.002),
    error_rate_case("high base rate: 22% vs 20%, 10,000 each", (10000, 2200), (10000, 2000), 0.01, 0.01),
]

srm = [
    srm_case("exact 5% split, 20,000 assignments", 1000, 19000, 0.05, 0.001),
    srm_case("5.5% observed for 5%, 20,000 assignments", 1100, 18900, 0.05, 0.001),
    srm_case("6% observed for 5%, 20,000 assignments", 1200, 18800, 0.05, 0.001),
    srm_case("49/51 on a 50/50 split, 10,000", 4900, 5100, 0.5, 0.001),
    srm_case("47/53 on a 50/50 split, 10,000", 4700, 5300, 0.5, 0.001),
    srm_case("1% canary with none assigned yet, 500", 0, 500, 0.01, 0.001),
    srm_case("1% canary, 0 of 1,000 assigned", 0, 1000, 0.01, 0.001),
    srm_case("25% split, 25.4% of 100,000, c = 1,000", 25400, 74600, 0.25, 0.001, 1000),
    srm_case("25% split, 25.4% of 100,000, c = 100", 25400, 74600, 0.25, 0.001, 100),
    srm_case("tiny sample: 3 of 10 on 25%", 3, 7, 0.25, 0.001),
]

out = {
    "description": "Vectors for src/core/rollout/sequential.ts. Generated by scripts/gates/sequential_vectors.py (scipy quadrature of the mixture likelihood ratios and root finding for the interval, not the closed forms). statistic and boundary are natural logs.",
    "errorRate": error_rate,
    "srm": srm,
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "vectors", "sequential.json")
with open(path, "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
for c in error_rate:
    print(f"{c['outcome']:>12}  stat={c['statistic']:.6f}  [{c['lo']:.6f}, {c['hi']:.6f}]  {c['name']}")
for c in srm:
    print(f"{c['outcome']:>12}  stat={c['statistic']:.6f}  {c['name']}")
