"""Profile: where a draw of the plain benchmark goes, step by step (issue 16's profile).

``bench_compound.py`` times the whole of a Poisson(5)-LogNormal(0, 1) simulation. This script
splits one thread's time per draw (per loss) into the engine's steps, each timed alone on a
block of 65,536 years (medians of ``--repeat``, after a warm-up, so compiling is not counted):

1. the generator alone (``fill_uniform``: xoshiro256** words as uniforms);
2. the normal variates (``fill_normal``: the ziggurat on the same generator);
3. the vectorised ``exp`` of a buffer of normals (less the copy that refills it);
4. the years' counts (``table_counts``), per draw;
5. the losses kernel (``plain_lognormal_losses``: normals, ``exp``, the years' runs and sums),
   and what it costs beyond steps 2 and 3;
6. a whole block on the calling thread (``Simulation._block``: counts, losses, summary, tail
   candidates, the Python around them), and what it costs beyond steps 4 and 5;
7. ``simulate`` of ``--n-sims`` years on the thread pool with one thread and with two: wall
   and process CPU time per draw, and what the pool, the merges and the waits add to the
   blocks.

Then a truncated, capped Weibull's fill, the industry model's hack severity (the uniforms, the
survival probabilities, the inverse, the whole fill), and the vectorised ``log`` alone: where
the inversion families' time goes.

Steps 1-3 run inside compiled loops (a call from Python per buffer of 1,024 values would add
its dispatch to the step). The figures are per expected draw (5 a year). Run it with AVX2 code
on an AVX-512 CPU (``_report.code_target``) to see what an AVX2-only machine's instructions
cost, and on such a machine to see where its time goes.

    python benchmarks/profile_draws.py [--repeat 15] [--n-sims 1e7]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from _report import cpu_flags, machine, median_time, table
from _workers import LAMBDA, MU, SIGMA, _model

YEARS = 65_536
#: the fastest tail setting of ``bench_compound.py`` (its ``riskmodel`` rows)
LEVEL_FAST = 0.995


def compiled_loops():
    """Compiled loops that run a step ``n`` times over one buffer (numba compiles them here)."""
    from riskmodel.engine._random import fill_normal, fill_uniform
    from riskmodel.engine._vexp import exp_inplace

    @numba.njit(nogil=True)
    def uniforms(state, buf, n):
        for _ in range(n):
            fill_uniform(state, buf, len(buf))

    @numba.njit(nogil=True)
    def normals(state, buf, n):
        for _ in range(n):
            fill_normal(state, buf, len(buf), MU, SIGMA)

    @numba.njit(nogil=True)
    def copies(src, buf, n):
        for _ in range(n):
            for j in range(len(buf)):
                buf[j] = src[j]

    @numba.njit(nogil=True)
    def exps(src, buf, t, n):
        for _ in range(n):
            for j in range(len(buf)):
                buf[j] = src[j]
            exp_inplace(buf, len(buf), t)

    return uniforms, normals, copies, exps


def inversion_rows(repeat: int) -> list[list[str]]:
    """A truncated, capped Weibull's fill (the industry model's hack losses), step by step,
    and the vectorised ``log`` alone (ns per loss)."""
    from riskmodel.engine import _kernels as K
    from riskmodel.engine._random import fill_uniform, new_state
    from riskmodel.engine._severity_fill import fill_kind, fill_severities, isf_inplace
    from riskmodel.engine._specs import severity_spec
    from riskmodel.engine._vlog import log_inplace
    from riskmodel.severity import Weibull

    # the industry model's hack severity, as bench_fills.py has it
    code, par = severity_spec(Weibull(0.41, 1.7e7).truncated(1e6).capped(1e11))
    kind = fill_kind(code, par)

    @numba.njit(nogil=True)
    def survivals(state, buf, n, par):  # uniforms, then the survival probabilities q
        for _ in range(n):
            fill_uniform(state, buf, len(buf))
            for j in range(len(buf)):
                buf[j] = par[5] + (1.0 - buf[j]) * (par[4] - par[5])

    @numba.njit(nogil=True)
    def inverses(state, buf, n, par, code, scratch, bits):  # ... and the inverse
        for _ in range(n):
            survivals(state, buf, 1, par)
            isf_inplace(code, par, buf, len(buf), scratch, bits)

    @numba.njit(nogil=True)
    def fills(state, buf, n, par, code, scratch, bits):  # the whole fill of the kernels
        for _ in range(n):
            fill_severities(kind, code, state, par, buf, len(buf), scratch, bits)

    @numba.njit(nogil=True)
    def logs(src, buf, n, bits):  # a copy, then the log
        for _ in range(n):
            for j in range(len(buf)):
                buf[j] = src[j]
            log_inplace(buf, len(buf), bits)

    uniforms, _, copies, _ = compiled_loops()
    state = new_state(np.random.default_rng(11))
    buf, scratch = np.empty(K.BUFFER), np.empty((5, K.BUFFER))
    bits = np.empty(K.BUFFER, np.int64)
    src = np.random.default_rng(12).random(K.BUFFER)
    n = 300
    per = 1e9 / (n * K.BUFFER)

    calls = {
        "uniforms": (uniforms, (state, buf, n)),
        "survivals": (survivals, (state, buf, n, par)),
        "inverses": (inverses, (state, buf, n, par, code, scratch, bits)),
        "fills": (fills, (state, buf, n, par, code, scratch, bits)),
        "copies": (copies, (src, buf, n)),
        "logs": (logs, (src, buf, n, bits)),
    }
    t = {}
    for name, (f, args) in calls.items():
        f(*args)  # (compiles)
        t[name] = median_time(repeat, f, *args)[0] * per
    return [
        ["uniforms", f"{t['uniforms']:.2f}", "the generator"],
        ["survival probabilities q", f"{t['survivals'] - t['uniforms']:.2f}", "one pass"],
        ["the inverse (`isf_inplace`)", f"{t['inverses'] - t['survivals']:.2f}", "2 logs, 1 exp"],
        ["the whole fill (`fill_severities`)", f"{t['fills']:.2f}", "with the clamp and cap"],
        ["`log` of a buffer, alone", f"{t['logs'] - t['copies']:.2f}", "a copy's cost taken off"],
    ]


def step_rows(repeat: int) -> tuple[list[list[str]], float]:
    """Steps 1-6 (ns per draw), and a block's seconds on the calling thread."""
    from riskmodel.engine import _kernels as K
    from riskmodel.engine._random import new_state
    from riskmodel.engine._specs import count_tables, severity_spec
    from riskmodel.engine.simulation import Simulation
    from riskmodel.severity import LogNormal

    state = new_state(np.random.default_rng(7))
    draws = LAMBDA * YEARS
    fills = round(draws / K.BUFFER)  # (buffers of a block's expected draws)
    per = 1e9 / (fills * K.BUFFER)
    uniforms, normals, copies, exps = compiled_loops()
    buf, t = np.empty(K.BUFFER), np.empty(K.BUFFER)
    src = np.empty(K.BUFFER)
    normals(state, src, 1)
    for f, args in ((uniforms, (state, buf, 1)), (normals, (state, buf, 1))):
        f(*args)  # (compiles)
    copies(src, buf, 1)
    exps(src, buf, t, 1)
    gen = median_time(repeat, uniforms, state, buf, fills)[0] * per
    normal = median_time(repeat, normals, state, buf, fills)[0] * per
    copy = median_time(repeat, copies, src, buf, fills)[0] * per
    exp = median_time(repeat, exps, src, buf, t, fills)[0] * per - copy

    # a block's counts and losses, with the engine's own tables and buffers
    kind, par = np.zeros(1, np.int64), np.array([[LAMBDA, 0.0]])
    cdf, guide, size = count_tables(kind, par)
    counts = np.zeros((YEARS, 1), np.int64)
    work = K.work_arrays()
    K.table_counts(state, cdf, guide, size, 0, counts, work[0])
    count = median_time(repeat, K.table_counts, state, cdf, guide, size, 0, counts, work[0])[0]
    count *= 1e9 / draws
    code, spar = severity_spec(LogNormal(MU, SIGMA))
    occ_par, occ_cover = np.zeros((0, 2)), np.zeros((0, 1), dtype=bool)
    gross, occ = np.zeros((YEARS, 1, 1)), np.zeros((YEARS, 0, 1))
    call = (state, code, spar, counts, 0, occ_par, occ_cover, gross, occ, work)
    kernel = K.losses_kernel(code, spar)
    kernel(*call)
    losses = median_time(repeat, kernel, *call)[0] * 1e9 / counts.sum()

    # a whole block on this thread, with the tail's floor a long run sets
    model = _model()
    sim = Simulation(model, rng=1, min_level=LEVEL_FAST, max_sims=10 * YEARS, n_threads=1)
    sim.extend(10 * YEARS)
    sim._block(0, YEARS)
    block_s = median_time(repeat, sim._block, 1, YEARS)[0]
    block = block_s * 1e9 / draws

    def row(step: str, ns: float, note: str = "") -> list[str]:
        return [step, f"{ns:.2f}", note]

    rows = [
        row("1. generator (`fill_uniform`)", gen, "per 64-bit word"),
        row("2. normals (`fill_normal`, ziggurat)", normal, "includes 1"),
        row("3. `exp` of a buffer", exp, "a copy's cost taken off"),
        row("4. counts (`table_counts`)", count, "per draw: a year's cost / 5"),
        row("5. losses kernel", losses, "includes 2 and 3"),
        row("   of which runs, sums and loop", losses - normal - exp, "5 - 2 - 3"),
        row("6. a block on this thread", block, "includes 4 and 5"),
        row("   of which summary, tail, Python", block - count - losses, "6 - 4 - 5"),
    ]
    return rows, block_s


def pool_rows(n_sims: int, repeat: int, block_s: float) -> list[list[str]]:
    """Step 7: ``simulate`` on the pool, one and two threads (wall and CPU per draw)."""
    from riskmodel.engine import simulate

    model = _model()
    draws = LAMBDA * n_sims
    blocks = -(-n_sims // YEARS)
    rows = []
    for threads in (1, 2):
        simulate(model, n_sims, rng=1, n_threads=threads, min_level=LEVEL_FAST)  # (warm-up)
        walls, cpus = [], []
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            simulate(model, n_sims, rng=1, n_threads=threads, min_level=LEVEL_FAST)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        wall, cpu = float(np.median(walls)), float(np.median(cpus))
        extra = (cpu - blocks * block_s) * 1e9 / draws
        rows.append(
            [
                f"7. `simulate`, {threads} thread{'s' if threads > 1 else ''}",
                f"{wall * 1e9 / draws:.2f}",
                f"{cpu * 1e9 / draws:.2f}",
                f"{extra:.2f}",
                f"{wall:.3f}",
            ]
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--n-sims", type=float, default=1e7)
    args = ap.parse_args()
    n_sims = int(args.n_sims)

    rows, block_s = step_rows(args.repeat)
    print(
        f"{machine()}; flags: {cpu_flags()}; Poisson({LAMBDA:g})-LogNormal({MU:g}, {SIGMA:g}), "
        f"blocks of {YEARS:,} years; steps on one thread, medians of {args.repeat}"
    )
    print(table(["step", "ns per draw", "note"], rows))
    print()
    print("a truncated, capped Weibull's fill (the industry model's hack losses), one thread")
    print(table(["step", "ns per loss", "note"], inversion_rows(args.repeat)))
    print()
    header = ["run", "wall ns per draw", "CPU ns per draw", "CPU beyond the blocks", "wall s"]
    print(table(header, pool_rows(n_sims, max(3, args.repeat // 3), block_s)))
    print(
        f"{n_sims:,} years, min_level {LEVEL_FAST}; CPU beyond the blocks: the process's CPU "
        "time less that of its blocks run alone (step 6), per draw: the pool, the merges, "
        "the waits"
    )


if __name__ == "__main__":
    main()
