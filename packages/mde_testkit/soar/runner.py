"""Run one action of a Splunk SOAR app through the SDK's own CLI runner (AppCliRunner), in the app's venv.

Standalone on purpose (the SOAR venv holds the SDK and the core, nothing of ours): it imports the app's
src/app.py as the platform does (a package beside its folder), loads files into the SDK's offline vault
(PhantomVaultFallback, the SDK's stand-in for SOAR's vault when no platform is reachable) and writes every
ActionResult as JSON for the tests. Params may name a loaded file as "{vault:N}" (N from 0).

    python runner.py --app-dir DIR --results OUT.json [--vault FILE]... [--debug-logs] -- action ID -p P -a A
"""

import argparse
import importlib
import json
import logging
import os
import sys
import tempfile


def _substitute(argv: list, ids: list) -> list:
    """Put the vault IDs into the params file (-p)."""
    if "-p" not in argv or not ids:
        return argv
    at = argv.index("-p") + 1
    with open(argv[at], encoding="utf-8") as fh:
        text = fh.read()
    for n, vault_id in enumerate(ids):
        text = text.replace(f"{{vault:{n}}}", vault_id)
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return [*argv[:at], path, *argv[at + 1 :]]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app-dir", required=True, help="the app's folder (holding src/)")
    parser.add_argument(
        "--results", required=True, help="where to write the action results as JSON"
    )
    parser.add_argument(
        "--vault", action="append", default=[], help="a file to load into the vault"
    )
    parser.add_argument(
        "--debug-logs", action="store_true", help="every library's DEBUG log to stderr"
    )
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.debug_logs:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    sys.path.insert(0, os.path.abspath(args.app_dir))
    app = importlib.import_module("src.app").app
    from soar_sdk.app_cli_runner import AppCliRunner

    vault = app.soar_client.vault
    ids = [
        vault.add_attachment(
            container_id=1, file_location=os.path.abspath(p), file_name=os.path.basename(p)
        )
        for p in args.vault
    ]
    argv = [a for a in args.argv if a != "--"]
    AppCliRunner(app).run(_substitute(argv, ids))
    results = [
        {
            "status": r.get_status(),
            "message": r.get_message(),
            "summary": r.get_summary(),
            "data": r.get_data(),
            "param": r.get_param(),
        }
        for r in app.actions_manager.get_action_results()
    ]
    with open(args.results, "w", encoding="utf-8") as fh:
        json.dump(results, fh, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
