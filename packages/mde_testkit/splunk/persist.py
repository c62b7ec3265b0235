"""Host a persistent REST handler the way splunkd's persistconn server does (stdlib only; runs on 3.9+).

    python persist.py <app>/bin <module.Class>

Imports the handler from the app's bin folder, then answers one JSON request per stdin line with one JSON
response line; anything the handler prints goes to stderr so that it cannot corrupt the protocol.
"""

import importlib
import json
import os
import sys


def main() -> None:
    bin_dir, target = sys.argv[1], sys.argv[2]
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    sys.path.insert(0, bin_dir)
    module_name, class_name = target.rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), class_name)("", "")
    for line in sys.stdin:
        try:
            answer = handler.handle(line.strip())
            if isinstance(answer, (str, bytes)):
                answer = json.loads(answer)
        except Exception as exc:
            answer = {"payload": {"error": f"handler raised {type(exc).__name__}"}, "status": 500}
        protocol.write(json.dumps(answer) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
