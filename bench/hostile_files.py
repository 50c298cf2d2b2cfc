"""Hostile import files against ``oversight units import``, as a user runs it (issue 9 §3).

Each file is built here (``tests/support/hostile.py``), then ``oversight units import FILE`` runs
as a subprocess on a fresh SQLite instance (``db upgrade`` + ``seed-demo`` first, not timed); its
wall time and peak resident memory are read from ``os.wait4`` (the child's own rusage, like
``/usr/bin/time -v``'s "Maximum resident set size"). Every file must be refused (exit 1, a clear
message, nothing imported) — the targets: the 40-million-blank-rows file refused in ≤ 5 s using
≤ 200 MB peak; every other one bounded the same way.

    .venv/bin/python bench/hostile_files.py            # one line per file, then the verdict
    .venv/bin/python bench/hostile_files.py --checkout /work/main   # the same files, older code

Figures on the development machine are in bench/README.md.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable

from tests.support import hostile

OVERSIGHT = str(Path(sys.executable).with_name("oversight"))
TARGET_S = 5.0
TARGET_MB = 200.0

FILES: dict[str, Callable[[], bytes]] = {
    "blank_rows_40m.xlsx": lambda: hostile.blank_rows(40_000_000),
    "far_row_40m.xlsx": lambda: hostile.far_row(40_000_000),
    "shared_strings_bomb.xlsx": lambda: hostile.shared_strings_bomb(1_000, 1_000_000),
    "wide_row.xlsx": lambda: hostile.wide_row(10_000_000),
    "entity_bomb.xlsx": hostile.entity_bomb,
}


def run(args: list[str], env: dict[str, str]) -> tuple[int, float, float, float, str]:
    """Exit status, wall seconds, CPU seconds, peak RSS in MB and the output of one command."""
    started = time.perf_counter()
    child = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    return child.returncode, elapsed, cpu, usage.ru_maxrss / 1024, output


def best_of(
    runs: int, args: list[str], env: dict[str, str]
) -> tuple[int, float, float, float, str]:
    """The fastest of ``runs`` runs (the machine is shared: the others measure its load)."""
    return min((run(args, env) for _ in range(runs)), key=lambda r: r[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="Keep the instance folder.")
    parser.add_argument("--runs", type=int, default=3, help="Runs per file; the fastest counts.")
    parser.add_argument(
        "--checkout",
        type=Path,
        help="Run the oversight command of another checkout (before/after).",
    )
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="oversight-hostile-"))
    env = {**os.environ, "OVERSIGHT_INSTANCE_DIR": str(folder / "var")}
    env.pop("OVERSIGHT_DATABASE_URL", None)
    oversight = [OVERSIGHT]
    if options.checkout:
        env["PYTHONPATH"] = str(options.checkout.resolve())
        oversight = [sys.executable, "-m", "web.cli"]
    try:
        for setup in (["db", "upgrade"], ["seed-demo"]):
            code, _, _, _, out = run([*oversight, *setup], env)
            if code != 0:
                print(out)
                return 1
        ok = True
        _, base_s, base_cpu, base_mb, _ = best_of(
            options.runs, [*oversight, "units", "--help"], env
        )
        print(
            f"start-up alone (oversight units --help): {base_s:.2f} s, {base_cpu:.2f} s CPU, "
            f"{base_mb:.0f} MB; load average {os.getloadavg()[0]:.1f}"
        )
        for name, build in FILES.items():
            path = folder / name
            path.write_bytes(build())
            code, seconds, cpu, megabytes, out = best_of(
                options.runs, [*oversight, "units", "import", str(path)], env
            )
            message = out.strip().splitlines()[-1] if out.strip() else ""
            refused = code == 1 and "Error" in out
            within = seconds <= TARGET_S and megabytes <= TARGET_MB
            ok = ok and refused and within
            size = path.stat().st_size / 1024
            print(
                f"{name}: {size:.0f} KB, exit {code}, {seconds:.2f} s ({cpu:.2f} s CPU), "
                f"{megabytes:.0f} MB peak"
                f" — {'ok' if refused and within else 'FAIL'}\n    {message[:200]}"
            )
        print(f"hostile_files ok={ok} (targets: refused, ≤ {TARGET_S:g} s, ≤ {TARGET_MB:g} MB)")
        return 0 if ok else 1
    finally:
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
