#!/usr/bin/env python3
"""Known answers for tests/reference_test.cpp, computed the way R's catR computes them.

An independent implementation, in plain Python and the textbook formulas catR's code uses (Pi, Ii, Ji, thetaEst,
eapEst, eapSem of catR 3.x): probabilities as products, no log space, the ML/BM/WL estimates as the root of the
estimating equation on `range` (catR's rule: both end values of one sign give that end), EAP by integrate.catR
(the trapezoidal rule on seq(lower, upper, length = nqp)). Roots are solved by bisection to 1e-14 rather than by
R's uniroot (tolerance 1.2e-4), so that the fixture tests irtcat to its own precision.

Run from the repository root:  python3 tests/data/make_catr_reference.py > tests/data/catr_reference.csv
"""
import math
import random

def dnorm(x, m, s):
    return math.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))

def curves(item, th, D):
    """Category probabilities P_k and their first two derivatives (catR's Pi)."""
    model, a, pars = item
    if model in ("1pl", "2pl", "3pl", "4pl"):
        b, c, d = pars
        e = math.exp(D * a * (th - b))
        P = c + (d - c) * e / (1 + e)
        dP = D * a * e * (d - c) / (1 + e) ** 2
        d2P = D ** 2 * a ** 2 * e * (1 - e) * (d - c) / (1 + e) ** 3
        return [1 - P, P], [-dP, dP], [-d2P, d2P]
    if model == "grm":
        ps = [1.0] + [1 / (1 + math.exp(-D * a * (th - bk))) for bk in pars] + [0.0]
        dps = [D * a * p * (1 - p) for p in ps]
        d2ps = [D * a * (dp - 2 * p * dp) for p, dp in zip(ps, dps)]
        n = len(ps) - 1
        return ([ps[k] - ps[k + 1] for k in range(n)], [dps[k] - dps[k + 1] for k in range(n)],
                [d2ps[k] - d2ps[k + 1] for k in range(n)])
    # gpcm / pcm: d_k = Σ_{t<=k} a D (th − b_t)
    dj = [0.0]
    for bt in pars:
        dj.append(dj[-1] + a * D * (th - bt))
    g = [math.exp(x) for x in dj]
    v = [k * a * D for k in range(len(g))]  # derivative of d_k in θ
    S = sum(g)
    Sd = sum(gk * vk for gk, vk in zip(g, v))
    Sd2 = sum(gk * vk * vk for gk, vk in zip(g, v))
    P = [gk / S for gk in g]
    dP = [gk * vk / S - gk * Sd / S ** 2 for gk, vk in zip(g, v)]
    d2P = [gk * vk * vk / S - 2 * gk * vk * Sd / S ** 2 - gk * Sd2 / S ** 2 + 2 * gk * Sd ** 2 / S ** 3
           for gk, vk in zip(g, v)]
    return P, dP, d2P

def info(items, th, D):
    return sum(sum(dp * dp / p for p, dp in zip(*curves(it, th, D)[:2])) for it in items)

def warm_j(items, th, D):
    total = 0.0
    for it in items:
        P, dP, d2P = curves(it, th, D)
        total += sum(dp * d2p / p for p, dp, d2p in zip(P, dP, d2P))
    return total

def score(items, x, th, D):
    total = 0.0
    for it, xi in zip(items, x):
        P, dP, _ = curves(it, th, D)
        total += dP[xi] / P[xi]
    return total

def root(f, lo, hi):
    if f(lo) < 0 and f(hi) < 0:
        return lo
    if f(lo) > 0 and f(hi) > 0:
        return hi
    flo = f(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
        if hi - lo < 1e-14:
            break
    return 0.5 * (lo + hi)

def local_maxima(f, lo, hi, steps=1600):
    """How many local maxima the objective whose derivative is f has on [lo, hi] (an end counts when f points
    out of the interval there). With more than one, catR's uniroot returns one of them, not always the highest."""
    ts = [lo + (hi - lo) * q / steps for q in range(steps + 1)]
    fs = [f(t) for t in ts]
    count = sum(1 for q in range(steps) if fs[q] > 0 and fs[q + 1] <= 0)
    return count + (fs[0] < 0) + (fs[-1] > 0)

def likelihood(items, x, th, D):
    L = 1.0
    for it, xi in zip(items, x):
        L *= curves(it, th, D)[0][xi]
    return L

def estimates(items, x, D, rng=(-4.0, 4.0), prior=(0.0, 1.0), grid=(-4.0, 4.0, 33)):
    m, s = prior
    f_ml = lambda t: score(items, x, t, D)
    f_bm = lambda t: score(items, x, t, D) + (m - t) / s ** 2
    f_wl = lambda t: score(items, x, t, D) + warm_j(items, t, D) / (2 * info(items, t, D))
    ml, bm, wl = root(f_ml, *rng), root(f_bm, *rng), root(f_wl, *rng)
    lo, hi, n = grid
    X = [lo + (hi - lo) * q / (n - 1) for q in range(n)]
    def integrate(y):
        return sum((X[q + 1] - X[q]) * (y[q] + y[q + 1]) / 2 for q in range(n - 1))
    w = [dnorm(t, m, s) * likelihood(items, x, t, D) for t in X]
    eap = integrate([t * wq for t, wq in zip(X, w)]) / integrate(w)
    eap_se = math.sqrt(integrate([(t - eap) ** 2 * wq for t, wq in zip(X, w)]) / integrate(w))
    return [("ml", ml, 1 / math.sqrt(info(items, ml, D)), local_maxima(f_ml, *rng)),
            ("map", bm, 1 / math.sqrt(info(items, bm, D) + 1 / s ** 2), local_maxima(f_bm, *rng)),
            ("wle", wl, 1 / math.sqrt(info(items, wl, D)), local_maxima(f_wl, *rng)),
            ("eap", eap, eap_se, 1)]

def make_items(model, n, r):
    items = []
    for _ in range(n):
        a = round(r.uniform(0.6, 2.2), 3)
        if model == "3pl":
            items.append(("3pl", a, (round(r.uniform(-2.5, 2.5), 3), round(r.uniform(0.05, 0.3), 3), 1.0)))
        elif model == "4pl":
            items.append(("4pl", a, (round(r.uniform(-2.5, 2.5), 3), round(r.uniform(0.05, 0.25), 3),
                                      round(r.uniform(0.85, 0.99), 3))))
        elif model == "grm":
            k = r.choice([2, 3, 4])
            bs = sorted(round(r.uniform(-2.5, 2.5), 3) for _ in range(k))
            items.append(("grm", a, tuple(bs)))
        else:
            k = r.choice([2, 3])
            items.append(("gpcm", a, tuple(round(r.uniform(-2.5, 2.5), 3) for _ in range(k))))
    return items

def draw(items, th, D, r):
    x = []
    for it in items:
        u, cum = r.random(), 0.0
        P = curves(it, th, D)[0]
        for k, p in enumerate(P):
            cum += p
            if u < cum:
                break
        x.append(k)
    return x

def main():
    r = random.Random(1980)
    print("case,model,scaling,items,pattern,estimator,theta,se,maxima")
    case = 0
    for model in ("3pl", "4pl", "grm", "gpcm"):
        for D in (1.0, 1.702):
            for n in (5, 12, 30):
                items = make_items(model, n, r)
                item_text = " ".join(
                    f"{m}:{a}:" + ":".join(str(p) for p in pars) for m, a, pars in items)
                patterns = [draw(items, r.gauss(0, 1), D, r) for _ in range(2)]
                patterns.append([0] * n)
                patterns.append([len(curves(it, 0.0, D)[0]) - 1 for it in items])
                for x in patterns:
                    case += 1
                    for est, th, se, maxima in estimates(items, x, D):
                        print(f"{case},{model},{D},{item_text},{' '.join(map(str, x))},{est},{th!r},{se!r},{maxima}")

if __name__ == "__main__":
    main()
