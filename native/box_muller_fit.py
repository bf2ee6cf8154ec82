#!/usr/bin/env python3
# native/box_muller_fit.py — prints the float coefficients of kernels/box_muller.cuh (not part of the build).
#
# Near-minimax fits by Lawson's iteration (iteratively reweighted least squares) on a dense grid against 40-digit
# mpmath values; each coefficient is rounded to float, then the higher ones are refitted around it, so the float
# polynomial, not the real one, is near-minimax. native/box_muller_check.cpp then measures the float arithmetic on
# every input of the contract (the fit's error estimate below ignores rounding in the evaluation).
#   python3 native/box_muller_fit.py       (numpy, mpmath)
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def f32(x):
    return float(np.float32(float(x)))


def lawson(A, y, w, iters=300):
    """Coefficients c minimising max |w (A c - y)| over the grid."""
    u = np.full(len(y), 1.0 / len(y))
    for _ in range(iters):
        sw = np.sqrt(u) * w
        c, *_ = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)
        r = np.abs(w * (A @ c - y))
        u = u * r
        u /= u.sum()
    return c


def fit_rounded(x, y, w, degree):
    """Float coefficients c0..c_degree of sum c_k x^k ~ y, rounded low order first."""
    fixed = []
    for k in range(degree + 1):
        A = np.vstack([x**j for j in range(k, degree + 1)]).T
        rest = y - sum(c * x**j for j, c in enumerate(fixed))
        fixed.append(f32(lawson(A, rest, w)[0]))
    err = np.max(np.abs(w * (sum(c * x**j for j, c in enumerate(fixed)) - y)))
    return fixed, err


def hexf(x):
    """A float's C hex literal, e.g. -0x1.4abbbep+2f."""
    mant, exp = x.hex().split("p")
    return mant.rstrip("0").rstrip(".") + "p" + exp + "f"


def show(name, coeffs, err):
    print(f"{name}: " + ", ".join(hexf(c) for c in coeffs)
          + f"   (fit error {err / 2**-24:.4f} x 2^-24 relative to the result)")


# radius: log1p(f) = f + f^2 Q(f), f in [sqrt(1/2) - 1, sqrt(2) - 1]. The error of f^2 Q is weighed against |ln u|:
# |f| when e = 0 (then f < 0 and ln u = log1p f), at least 0.3466 when e != 0 (f > 0 only occurs there).
f = np.linspace(np.sqrt(0.5) - 1, np.sqrt(2) - 1, 6000)
f = f[np.abs(f) > 1e-7]
y = np.array([float((mp.log1p(t) - t) / t**2) for t in f])
w = np.where(f < 0, np.abs(f), f * f / 0.3466)
show("Q (degree 8, constant term first)", *fit_rounded(f, y, w, 8))
print("LN2_HI 0x1.62e4p-1f (15 bits: e * LN2_HI exact), LN2_LO", hexf(f32(mp.log(2) - mp.mpf(0.693145751953125))))

# sin(pi a) = a (PI_HI + PI_LO + a^2 P(a^2)), a in [0, 1/4]; relative error of the sine.
a = np.linspace(1e-6, 0.25, 4000)
a2 = a * a
s = np.array([float(mp.sin(mp.pi * t)) for t in a])
pi_hi = f32(mp.pi)
pi_lo = f32(mp.pi - pi_hi)
print("PI_HI", hexf(pi_hi), "PI_LO", hexf(pi_lo))
show("P (degree 2)", *fit_rounded(a2, (s / a - pi_hi - pi_lo) / a2, a * a2 / s, 2))

# cos(pi a) = 1 + a^2 C(a^2); relative error of the cosine.
a = np.linspace(0, 0.25, 4000)
a2 = a * a
c = np.array([float(mp.cos(mp.pi * t)) for t in a])
y = np.empty_like(a)
y[1:] = (c[1:] - 1) / a2[1:]
y[0] = float(-mp.pi**2 / 2)
show("C (degree 3)", *fit_rounded(a2, y, a2 / c, 3))
