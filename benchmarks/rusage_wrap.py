"""Run a command script as its interpreter would, then record its own CPU time and peak RSS."""

import atexit
import json
import os
import resource
import runpy
import sys


def _record() -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(os.environ["MDE_BENCH_RUSAGE"], "w") as fh:
        json.dump({"cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}, fh)


script = sys.argv[1]
sys.argv = [script]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
atexit.register(_record)
runpy.run_path(script, run_name="__main__")
