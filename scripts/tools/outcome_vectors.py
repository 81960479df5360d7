"""Build-time only: writes test/vectors/outcome-gates.json.

Reference values for src/core/outcomes/stratified.ts and
src/core/rollout/outcome-gates.ts, computed a different way than the
modules do:
  - the stratified difference and its delete-one-bucket jackknife with numpy
    arrays over (revision, arm, bucket), not per-bucket loops;
  - the mixture half-widths by quadrature of the likelihood ratio over the
    half-normal mixing distribution and brentq (scipy), not the closed form
    with Phi and bisection;
  - the verdict by the rules in outcome-gates.ts's header.

Run from the repository root:  python3 scripts/tools/outcome_vectors.py
(needs Python 3 with numpy and scipy; the router never runs this).
"""
import json
import math
import os
import subprocess

import numpy as np
from scipy import integrate, optimize

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
BUCKETS = 64
TAUS = (1, 4, 16)


def log_mixture_ratio(s, v, tau):
    """log of the integral over u ~ half-normal(tau) of N(s; u, v) / N(s; 0, v)."""
    def integrand(u):
        return math.exp((s * u - u * u / 2) / v - u * u / (2 * tau * tau)) * 2 / (tau * math.sqrt(2 * math.pi))
    hi = max(abs(s), tau) * 20 + 20 * math.sqrt(v)
    val, _ = integrate.quad(integrand, 0, hi, epsabs=0, epsrel=1e-12, limit=400)
    return math.log(val)


def half_width(v, tau, alpha):
    target = math.log(1 / alpha)
    f = lambda s: log_mixture_ratio(s, v, tau) - target
    hi = math.sqrt(v)
    while f(hi) < 0:
        hi *= 2
    return optimize.brentq(f, 0.0, hi, xtol=1e-16, rtol=1e-13)


def layered_half(v, tau, alpha):
    return min(half_width(v, k * tau, alpha / len(TAUS)) for k in TAUS)


def stratified(N, S, SQ, binary):
    """N, S: arrays (revision, arm(0 live, 1 canary), bucket); SQ: (revision, arm)."""
    def diff(keep):
        n = (N * keep).sum(axis=2)
        s = (S * keep).sum(axis=2)
        ok = (n[:, 0] > 0) & (n[:, 1] > 0)
        if not ok.any():
            return None
        w = np.where(ok, n[:, 0] * n[:, 1] / np.where(ok, n[:, 0] + n[:, 1], 1), 0.0)
        d = np.where(ok, s[:, 1] / np.where(ok, n[:, 1], 1) - s[:, 0] / np.where(ok, n[:, 0], 1), 0.0)
        return float((w * d).sum() / w.sum())
    full = np.ones(BUCKETS)
    effect = diff(full)
    n = N.sum(axis=2)
    s = S.sum(axis=2)
    ok = (n[:, 0] > 0) & (n[:, 1] > 0)
    w = n[ok, 0] * n[ok, 1] / (n[ok, 0] + n[ok, 1])
    if binary:
        p = (s[ok] + 1) / (n[ok] + 2)
        unit = p * (1 - p)
    else:
        mean = s[ok] / n[ok]
        unit = np.maximum(0, (SQ[ok] - n[ok] * mean ** 2) / np.maximum(1, n[ok] - 1))
    independent = float((w ** 2 * (unit[:, 1] / n[ok, 1] + unit[:, 0] / n[ok, 0])).sum() / w.sum() ** 2)
    present = (N.sum(axis=(0, 1)) > 0)
    leave = []
    for b in np.nonzero(present)[0]:
        keep = full.copy()
        keep[b] = 0
        d = diff(keep)
        if d is not None:
            leave.append(d)
    leave = np.array(leave)
    g = len(leave)
    robust = float((g - 1) / g * ((leave - leave.mean()) ** 2).sum()) if g > 1 else 0.0
    return {
        "effect": effect,
        "variance": max(robust, independent),
        "canary": int(n[ok, 1].sum()),
        "live": int(n[ok, 0].sum()),
        "strata": int(ok.sum()),
    }


rng = np.random.default_rng(20261207)


def draw(revisions, users_per_bucket, binary, live_mean, canary_mean, share, cluster_sd):
    """Per revision and arm, per-bucket counts and sums: users heavy-tailed, their means spread."""
    N = np.zeros((revisions, 2, BUCKETS), dtype=np.int64)
    S = np.zeros((revisions, 2, BUCKETS))
    SQ = np.zeros((revisions, 2))
    for r in range(revisions):
        for arm, mean in ((0, live_mean), (1, canary_mean)):
            frac = share[r] if arm == 1 else 1 - share[r]
            for b in range(BUCKETS):
                users = rng.poisson(users_per_bucket * frac)
                for _ in range(users):
                    k = int(min(200, np.ceil(rng.lognormal(0, 1.2))))
                    if binary:
                        p = float(np.clip(mean + rng.normal(0, cluster_sd), 0, 1))
                        vals = (rng.random(k) < p).astype(float)
                    else:
                        mu = mean + rng.normal(0, cluster_sd)
                        vals = rng.normal(mu, 1.0, k)
                    N[r, arm, b] += k
                    S[r, arm, b] += vals.sum()
                    SQ[r, arm] += (vals ** 2).sum()
    return N, S, SQ


cases = []


def case(name, binary, better, kind, min_delta, alpha, beta, N, S, SQ):
    st = stratified(N, S, SQ, binary)
    sign = 1 if better == "lower" else -1
    worse = sign * st["effect"]
    allowance = min_delta if kind == "guardrail" else 0.0
    h_alpha = layered_half(st["variance"], min_delta, alpha)
    h_beta = layered_half(st["variance"], min_delta, beta)
    outcome = "fail" if worse - h_alpha > 0 else "pass" if worse - allowance + h_beta < 0 else "inconclusive"
    strata = [{
        "live": {"n": N[r, 0].tolist(), "sum": S[r, 0].tolist(), "sumSq": float(SQ[r, 0])},
        "canary": {"n": N[r, 1].tolist(), "sum": S[r, 1].tolist(), "sumSq": float(SQ[r, 1])},
    } for r in range(N.shape[0])]
    cases.append({
        "name": name,
        "binary": binary, "better": better, "kind": kind, "minDelta": min_delta,
        "alpha": alpha, "beta": beta, "strata": strata,
        "expected": {**st, "lo": st["effect"] - h_alpha, "hi": st["effect"] + h_alpha, "outcome": outcome},
    })
    print(f"{outcome:>12}  {name}  effect {st['effect']:+.4f} sd {math.sqrt(st['variance']):.4f}")


A, B = 0.0025, 0.05
N, S, SQ = draw(3, 6, True, 0.10, 0.10, [0.05, 0.2, 0.5], 0.05)
case("binary A/A over three steps, guardrail 2 pp", True, "higher", "guardrail", 0.02, A, B, N, S, SQ)
case("the same as a success metric: not better, undecided", True, "higher", "success", 0.02, A, B, N, S, SQ)
N, S, SQ = draw(2, 8, True, 0.10, 0.30, [0.1, 0.25], 0.05)
case("conversions up 20 pp, higher is better: success passes", True, "higher", "success", 0.02, A, B, N, S, SQ)
case("chargebacks up 20 pp, lower is better: guardrail rolls back", True, "lower", "guardrail", 0.02, A, B, N, S, SQ)
N, S, SQ = draw(2, 3, False, 5.0, 4.0, [0.1, 0.5], 0.8)
case("a numeric score down by 1 (sd 1, clustered): guardrail 0.25 rolls back", False, "higher", "guardrail", 0.25, A, B, N, S, SQ)
N, S, SQ = draw(1, 4, False, 5.0, 5.0, [0.3], 0.3)
case("a numeric score, one revision, A/A: guardrail 1.0 passes", False, "higher", "guardrail", 1.0, A, B, N, S, SQ)
# A 100 % step: no live outcomes in the last revision (it adds nothing).
N, S, SQ = draw(2, 5, True, 0.10, 0.12, [0.2, 1.0], 0.03)
N[1, 0, :] = 0
S[1, 0, :] = 0
SQ[1, 0] = 0
case("a 100% step's revision has no live outcomes: only the first counts", True, "higher", "guardrail", 0.01, A, B, N, S, SQ)

path = os.path.join(ROOT, "test", "vectors", "outcome-gates.json")
with open(path, "w") as f:
    json.dump({
        "description": "Outcome gates: the stratified difference over revisions (CMH weights), its delete-one-bucket jackknife variance (at least the independent one), the layered mixture interval at alpha (tau = minDelta x 1, 4, 16, alpha / 3 each) and the verdict (fail: the worse end past 0 at alpha; pass: the interval at beta below the guardrail's allowance, or below 0 for success). From scripts/tools/outcome_vectors.py (numpy arrays and scipy quadrature, not the modules' loops and closed forms).",
        "cases": cases,
    }, f)
    f.write("\n")
try:
    subprocess.run(["npx", "biome", "format", "--write", path], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
except OSError:
    pass
