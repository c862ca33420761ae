"""Twins all the way down: every compiled function of the kernels' call tree against the same
code run wholly by the interpreter.

``kernel.py_func`` runs only the outer function in Python: its callees stay compiled. Here one
script evaluates the random variates (``_random``), the special functions (``_special``), the
vectorised ``exp`` and ``log`` (``_vexp``, ``_vlog``), the severity fills (``_severity_fill``)
and the kernels' samplers (``_kernels``) on small fixed inputs, once with numba compiling them
and once under ``NUMBA_DISABLE_JIT=1`` (the whole call tree
interpreted); the two must agree bit for bit (floats compared by their hexadecimal form).
The helpers that only kernels call (``jit_callee``, ``jit_vector``) run as Python when called
from Python, so the script calls them through compiled callers.

One documented exception: ``math.lgamma``. CPython computes it with its own Lanczos
approximation, numba calls the C library's ``lgamma``; the two differ in the last bits. So
``betainc`` (which takes three lgammas; 14 ulps apart at most on this grid) and ``t_cdf``
(``1 - I_x`` cancels where the value is small: 472 ulps, 1e-13 relative, at most here) agree
to :data:`LGAMMA_RTOL`, not bit for bit. PTRS (Poisson means >= 10) compares an lgamma in its
acceptance test: a draw would differ only where that comparison falls within ~1e-15, and none
does on these inputs.
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np

HERE = pathlib.Path(__file__).parent  # (the script imports its _compiled)

SCRIPT = r"""
import json, math
import numpy as np
import numba
from riskmodel.engine import _kernels as K, _random as R, _special as S, _vexp as V, _vlog as VL
from riskmodel.engine import _severity_fill as SF
from riskmodel.engine._specs import count_tables, frequency_spec, severity_spec
from _compiled import compiled  # (tests/engine, on the path: see _run)
from riskmodel.frequency import Mixture, NegativeBinomial, Poisson
from riskmodel.severity import (
    Burr, Gamma, GeneralizedPareto, LogGamma, LogLogistic, LogNormal, Lomax, Pareto, Spliced,
    Weibull,
)

@numba.njit
def stream(s, n):
    u64 = np.empty(n, dtype=np.uint64)
    dbl = np.empty(n)
    nrm = np.empty(4 * n)
    for i in range(n):
        u64[i] = R.next_u64(s)
    for i in range(n):
        dbl[i] = R.next_double(s)
    for i in range(4 * n):
        nrm[i] = R.std_normal(s)
    return u64, dbl, nrm

@numba.njit
def isf_grid(code, par, q):
    out = np.empty(q.shape[0])
    for i in range(q.shape[0]):
        out[i] = SF.sev_isf(code, par, q[i])
    return out

@numba.njit
def ppf_grid(kind, fpar, u):
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        out[i] = K.count_ppf(kind, fpar, u[i])
    return out

fill_normal, fill_uniform = compiled(R.fill_normal), compiled(R.fill_uniform)
std_gamma, poisson = compiled(R.std_gamma), compiled(R.poisson)
t_cdf, betainc = compiled(S.t_cdf), compiled(S.betainc)
exp_inplace, log_inplace = compiled(V.exp_inplace), compiled(VL.log_inplace)
expm1_inplace = compiled(SF.expm1_inplace)

def hx(a):
    return [float(v).hex() for v in np.ravel(a)]

out = {}
with np.errstate(over="ignore"):
    s = np.array([1, 2, 3, 4], dtype=np.uint64)
    u64, dbl, nrm = stream(s, 200)
    out["next_u64"] = [int(v) for v in u64]
    out["next_double"] = hx(dbl)
    out["std_normal"] = hx(nrm)
    s = R.new_state(np.random.default_rng(1))
    buf = np.empty(3000)
    fill_normal(s, buf, 3000, 0.5, 2.0)
    out["fill_normal"] = hx(buf)
    fill_uniform(s, buf, 3000)
    out["fill_uniform"] = hx(buf)
    out["std_gamma"] = hx([std_gamma(s, a) for a in (0.3, 1.0, 4.5) for _ in range(100)])
    out["poisson"] = [int(poisson(s, lam)) for lam in (0.5, 7.0, 10.0, 60.0, 5e4)
                      for _ in range(50)]
    out["state"] = [int(v) for v in s]

x = np.linspace(-40.0, 40.0, 801)
p = np.concatenate([[0.0, 1e-300, 1e-20, 1e-5], np.linspace(0.001, 0.999, 999),
                    [1 - 1e-12, 1.0]])
out["ndtr"] = hx([S.ndtr(v) for v in x])
out["ndtri"] = hx([S.ndtri(v) for v in p])
out["t_cdf"] = hx([t_cdf(v, df) for v in x[::8] for df in (1.0, 2.5, 4.0, 30.0)])
out["betainc"] = hx([betainc(a, b, v) for a in (0.5, 2.0) for b in (0.7, 9.0)
                     for v in p[::50]])
e = np.concatenate([np.linspace(-700.0, 700.0, 1001), np.random.default_rng(2).normal(0, 5, 999)])
t, bits = np.empty(e.size), np.empty(e.size, dtype=np.int64)
y = e.copy()
exp_inplace(y, y.size, t)
out["exp_inplace"] = hx(y)
y = np.exp(e / 2)
log_inplace(y, y.size, bits)
out["log_inplace"] = hx(y)
y = e / 100
expm1_inplace(y, y.size, t, np.empty(e.size))
out["expm1_inplace"] = hx(y)

q = np.concatenate([[1.0], np.geomspace(1e-300, 0.999, 500)])
sevs = [LogNormal(1.0, 2.0), LogNormal(0.0, 0.5).truncated(lower=2.0, upper=50.0),
        Pareto(1.5, 2.0), Lomax(2.2, 3.0), Burr(2.0, 1.5, 4.0), Weibull(0.7, 3.0),
        Weibull(0.4, 3.0).truncated(lower=1.0).capped(40.0), GeneralizedPareto(0.3, 2.0),
        LogLogistic(2.5, 3.0).truncated(lower=1.0), Burr(2.0, 1.5, 4.0).truncated(lower=0.5),
        Spliced(LogNormal(1.0, 1.0).truncated(0.5), GeneralizedPareto(0.4, 3.0, threshold=6.0),
                6.0, weight=0.8).capped(500.0)]
for i, sev in enumerate(sevs):
    code, par = severity_spec(sev)
    out[f"sev_isf_{i}"] = hx(isf_grid(code, par, q))
    s = R.new_state(np.random.default_rng(10 + i))
    buf, tt = np.empty(K.BUFFER), np.empty((5, K.BUFFER))
    bb = np.empty(K.BUFFER, dtype=np.int64)
    with np.errstate(over="ignore"):
        SF.fill_severities(SF.fill_kind(code, par), code, s, par, buf, 700, tt, bb)
    out[f"fill_severities_{i}"] = hx(buf[:700])
rejected = [Gamma(0.4, 2.0), Gamma(3.0, 1.0).truncated(lower=2.0).capped(9.0),
            LogGamma(2.0, 3.0).truncated(lower=1.5, upper=40.0)]
for i, sev in enumerate(rejected):  # gamma and log-gamma: drawn until in their truncation
    code, par = severity_spec(sev)
    s = R.new_state(np.random.default_rng(40 + i))
    SF.fill_severities(SF.fill_kind(code, par), code, s, par, buf, 700, tt, bb)
    out[f"fill_rejection_{i}"] = hx(buf[:700])
u = np.linspace(0.0005, 0.9995, 400)
for i, freq in enumerate([Poisson(3.0), NegativeBinomial(4.0, 0.6), Mixture([1.0, 6.0])]):
    kind, fpar = frequency_spec(freq)
    if kind >= 0:
        out[f"count_ppf_{i}"] = [int(v) for v in ppf_grid(kind, fpar, u)]
    tables = count_tables(np.array([kind]), fpar[None, :], [freq])
    counts = np.zeros((300, 1), dtype=np.int64)
    with np.errstate(over="ignore"):
        K.table_counts(R.new_state(np.random.default_rng(20 + i)), *tables, 0, counts,
                       np.empty(K.BUFFER))
    out[f"table_counts_{i}"] = [int(v) for v in counts[:, 0]]
print(json.dumps(out))
"""


def _run(disable_jit: str) -> dict:
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, NUMBA_DISABLE_JIT=disable_jit, PYTHONPATH=path)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


#: the functions that take math.lgamma, and how far the two lgammas move them (relative)
LGAMMA_RTOL = {"betainc": 1e-14, "t_cdf": 1e-12}


def _floats(hexes):
    return np.array([float.fromhex(v) for v in hexes])


def test_the_whole_call_tree_interpreted_equals_the_compiled_one():
    compiled, interpreted = _run("0"), _run("1")
    assert compiled.keys() == interpreted.keys()
    for key in compiled:
        if key in LGAMMA_RTOL:
            a, b = _floats(compiled[key]), _floats(interpreted[key])
            np.testing.assert_allclose(a, b, rtol=LGAMMA_RTOL[key], atol=0, err_msg=key)
        else:
            assert compiled[key] == interpreted[key], key
    assert max(compiled["poisson"]) > 40_000  # the PTRS branch ran
