"""Alert action mde_remove_indicator: splunkd runs it with --execute and the JSON payload on stdin."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from mde_splunk.remove import main

if __name__ == "__main__":
    sys.exit(main(sys.argv, sys.stdin, sys.stderr))
