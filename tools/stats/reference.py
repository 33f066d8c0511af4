#!/usr/bin/python3
"""Independent reference values for test/stats/*.test.ts (tooling only; the harness never runs it).

Usage: /usr/bin/python3 tools/stats/reference.py
Written from the textbook formulas (Wilson 1927; Newcombe 1998 method 10; exact binomial test),
not from the TypeScript code, so the tests compare two implementations.
"""
import math
import numpy as np

Z = 1.959963984540054


def wilson(x, n):
    p = x / n
    a = 2 * n * p + Z * Z
    b = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p))
    c = 2 * (n + Z * Z)
    return ((a - b) / c, (a + b) / c)


def mcnemar_exact(b, c):
    n = b + c
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def newcombe_paired(both, a_only, b_only, neither):
    """Interval for rate(B) - rate(A); A passes in both+a_only cases, B in both+b_only."""
    n = both + a_only + b_only + neither
    pa, pb = (both + a_only) / n, (both + b_only) / n
    la, ua = wilson(both + a_only, n)
    lb, ub = wilson(both + b_only, n)
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    cross = both * neither - a_only * b_only
    if margins == 0:
        phi = 0.0
    elif cross > 0:
        phi = max(cross - n / 2, 0) / math.sqrt(margins)
    else:
        phi = cross / math.sqrt(margins)
    d = pb - pa
    lo = d - math.sqrt((pb - lb) ** 2 - 2 * phi * (pb - lb) * (ua - pa) + (ua - pa) ** 2)
    hi = d + math.sqrt((ub - pb) ** 2 - 2 * phi * (ub - pb) * (pa - la) + (pa - la) ** 2)
    return d, lo, hi


if __name__ == "__main__":
    for x, n in [(81, 263), (15, 148), (0, 20), (1, 29), (7, 10)]:
        print("wilson", x, n, ["%.10f" % v for v in wilson(x, n)])
    for b, c in [(1, 7), (0, 5), (10, 25), (30, 30), (3, 0), (100, 140)]:
        print("mcnemar", b, c, "%.12g" % mcnemar_exact(b, c))
    for t in [(40, 2, 9, 49), (12, 1, 7, 1), (5, 5, 5, 5), (0, 0, 3, 17), (30, 0, 0, 0)]:
        print("newcombe", t, ["%.10f" % v for v in newcombe_paired(*t)])
    xs = np.array([12.0, 3.5, 7.25, 100.0, 9.0, 41.0, 2.0, 8.0, 15.5, 60.0, 4.0])
    print("percentiles", [("%.10f" % np.percentile(xs, q)) for q in (25, 50, 75, 90, 99)])
