"""Host a persistent REST handler the way splunkd's persistconn server does (stdlib only; runs on 3.9+).

    python persist.py <app>/bin/<script>.py

Modelled on splunkd's lib/python3.x/site-packages/splunk/persistconn/{appserver,handle_loop,
application}.py (as published in the vncloudsco/splunk tree):
- `splunk.persistconn.application.PersistentServerConnectionApplication` is importable, as in
  splunkd's Python;
- the script is loaded once per process, under a munged module name, and its one class whose MRO holds a
  class named PersistentServerConnectionApplication is the handler (none or several is an error);
- every request builds a NEW handler object (`cls.__new__` then `__init__(command[1:], command_arg)`),
  calls `handle(<request bytes>)` and then `done()`; nothing but module-level state outlives a request;
- a dict answer is JSON-encoded, a str or bytes answer passed through.
Only the framing between the fake and this host (one JSON request per stdin line, one answer per stdout
line) differs from splunkd's length-prefixed packets; anything the handler prints goes to stderr.
"""

import importlib.util
import inspect
import json
import os
import sys
import types

BASE = "PersistentServerConnectionApplication"


class PersistentServerConnectionApplication:
    def __init__(self):
        pass

    def handle(self, in_bytes):
        raise NotImplementedError("PersistentServerConnectionApplication.handle")

    def handleStream(self, handle, in_bytes):
        raise NotImplementedError("PersistentServerConnectionApplication.handleStream")

    def done(self):
        pass


def install_splunk_module() -> None:
    package = types.ModuleType("splunk")
    persistconn = types.ModuleType("splunk.persistconn")
    application = types.ModuleType("splunk.persistconn.application")
    application.PersistentServerConnectionApplication = PersistentServerConnectionApplication  # type: ignore[attr-defined]
    package.persistconn = persistconn  # type: ignore[attr-defined]
    persistconn.application = application  # type: ignore[attr-defined]
    sys.modules.update(
        {
            "splunk": package,
            "splunk.persistconn": persistconn,
            "splunk.persistconn.application": application,
        }
    )


def munged(name: str, directory: str) -> str:
    return (
        "pschand__"
        + "".join(c if c.isalnum() else "_" for c in name)
        + "__in_"
        + "".join(c if c.isalnum() else "_" for c in directory)
    )


def load_handler_class(script: str) -> type:
    directory, filename = os.path.split(script)
    name = os.path.splitext(filename)[0]
    spec = importlib.util.spec_from_file_location(munged(name, directory), script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def is_handler(c: object) -> bool:
        return (
            inspect.isclass(c) and c.__name__ != BASE and any(m.__name__ == BASE for m in c.mro())  # type: ignore[attr-defined]
        )

    classes = inspect.getmembers(module, is_handler)
    if len(classes) != 1:
        raise NotImplementedError(f"{len(classes)} classes implement {BASE} in {script}")
    return classes[0][1]  # type: ignore[no-any-return]


def main() -> None:
    script = sys.argv[1]
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    install_splunk_module()
    handler_class = load_handler_class(script)
    for line in sys.stdin:
        try:
            handler = handler_class.__new__(handler_class)
            handler.__init__([script], None)
            answer = handler.handle(line.strip().encode("utf-8"))
            handler.done()
            if isinstance(answer, bytes):
                answer = answer.decode("utf-8")
            if isinstance(answer, str):
                answer = json.loads(answer)
        except Exception as exc:
            text = f"Unexpected error from the persistent handler: {type(exc).__name__}"
            answer = {"payload": {"messages": [{"type": "ERROR", "text": text}]}, "status": 500}
        protocol.write(json.dumps(answer) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
