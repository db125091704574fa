#!/usr/bin/env python
"""Bounded race check: stop signals sent to ``bankchurn predict`` at many moments, outcomes counted.

Runs the real command line (``bankchurn predict`` on a small synthetic file) ``--trials`` times
and sends SIGTERM (even trials) or SIGINT (odd trials) after a delay spread evenly over the
length of one full run, so that signals land during the interpreter's start, the lazy imports of
the scoring stack, the scoring itself and the exit. Each trial's output file holds ``previous``
beforehand. A trial ends in one of these outcomes:

* ``interrupted``: exit 143 (SIGTERM) or 130 (SIGINT), stderr is exactly the one
  ``bankchurn: interrupted by ...`` line, which tells the truth (the previous output intact and
  "no output was written", or the new one complete and named as written), and no temporary file
  is left (the contract);
* ``default action``: the signal came before the command installed its handlers or after it
  restored them: the process died of the signal (negative return code), with no traceback and
  the output either intact or completely written;
* ``finished first``: the command ended before the signal was sent (not a test of anything);
* ``swallowed``: the signal was sent while the command ran, yet it exited 0 (the race);
* ``other``: anything else (a traceback, another code, a half-written or stray file).

It is a check script, not a test: how often a race is hit depends on the machine's load.

Usage::

    python scripts/signal_race.py --trials 120 --rows 4000
    python scripts/signal_race.py --trials 200 --max-delay 0.8   # the start and imports only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bankchurn.synthetic import generate_extract, write_extract

BANKCHURN = Path(sys.executable).with_name("bankchurn")
EXIT = {signal.SIGTERM: 143, signal.SIGINT: 130}


def _command(model: Path, data: Path, out: Path, chunk_size: int) -> list[str]:
    return [
        str(BANKCHURN),
        "predict",
        "--model",
        str(model),
        "--input",
        str(data),
        "--output",
        str(out),
        "--chunk-size",
        str(chunk_size),
        "--no-progress",
    ]


def _as_from_a_terminal() -> None:
    """SIGINT as a terminal leaves it: a background job (``nohup``, ``&``) inherits it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _outcome(sig: signal.Signals, rc: int, err: str, folder: Path, dest: Path) -> str:
    """Name the outcome of one signalled trial (see the module docstring)."""
    others = sorted(p.name for p in folder.iterdir() if p != dest)
    content = dest.read_bytes()
    intact = content == b"previous\n"
    whole = content.startswith(b"CustomerKey") and content.endswith(b"\n")
    if others or "Traceback" in err:
        return "other"
    if rc == EXIT[sig] and (intact or whole):
        expected = (
            f"bankchurn: interrupted by {sig.name}; no output was written or replaced"
            if intact
            else f"bankchurn: interrupted by {sig.name} after 1 output(s) were written whole "
            f"({dest}); nothing else was written or replaced"
        )
        return "interrupted" if err.splitlines() == [expected] else "other"
    if rc == -sig and not err and (intact or whole):
        return "default action"
    if rc == 0:
        return "swallowed"
    return "other"


def main(argv: list[str] | None = None) -> int:
    """Run the trials and print (or write as JSON) the count of each outcome."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/target.joblib"))
    parser.add_argument("--trials", type=int, default=120)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--max-delay",
        type=float,
        help="Spread the signals over the first SECONDS only (e.g. 0.6: the start and imports); "
        "default: the length of one full run.",
    )
    parser.add_argument("--json", type=Path, help="Also write the counts here.")
    args = parser.parse_args(argv)
    env = {**os.environ, "BANKCHURN_ALLOW_DEMO_KEY": "1", "BANKCHURN_TRACKING": "false"}
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="signal-race-") as tmp:
        root = Path(tmp)
        data = write_extract(
            generate_extract(n_rows=args.rows, n_snapshots=2, seed=args.seed), root / "in.csv"
        )
        start = time.monotonic()
        subprocess.run(
            _command(args.model, data, root / "full.csv", args.chunk_size),
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        full_run = time.monotonic() - start
        span = min(full_run, args.max_delay) if args.max_delay else full_run
        counts: dict[str, Counter[str]] = {s.name: Counter() for s in EXIT}
        examples: dict[str, str] = {}
        for i in range(args.trials):
            sig = signal.SIGTERM if i % 2 == 0 else signal.SIGINT
            # stratified delays: every slice of the run gets its share of signals
            delay = (i // 2 + rng.random()) / ((args.trials + 1) // 2) * span
            folder = root / f"t{i}"
            folder.mkdir()
            dest = folder / "scores.csv"
            dest.write_bytes(b"previous\n")
            proc = subprocess.Popen(
                _command(args.model, data, dest, args.chunk_size),
                env=env,
                preexec_fn=_as_from_a_terminal,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(delay)
            if proc.poll() is not None:
                proc.communicate()
                counts[sig.name]["finished first"] += 1
                continue
            proc.send_signal(sig)
            _, err_bytes = proc.communicate(timeout=300)
            err = err_bytes.decode(errors="replace")
            outcome = _outcome(sig, proc.returncode, err, folder, dest)
            counts[sig.name][outcome] += 1
            if outcome in ("swallowed", "other"):
                examples.setdefault(
                    f"{sig.name} {outcome}", f"rc {proc.returncode} at {delay:.2f}s: {err[-400:]}"
                )
    result = {
        "trials": args.trials,
        "rows": args.rows,
        "full_run_seconds": round(full_run, 2),
        "signals_within_seconds": round(span, 2),
        "outcomes": {name: dict(sorted(c.items())) for name, c in counts.items()},
        "examples": examples,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    bad = sum(c["swallowed"] + c["other"] for c in counts.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
