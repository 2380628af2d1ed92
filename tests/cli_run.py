"""Running the `embedlab` command inside a test: its JSON, or its one-line error."""

from __future__ import annotations

import json

from core.cli import main


def run_json(capsys, *argv):
    """``embedlab ARGV --json``: must succeed; its JSON document."""
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def one_error(capsys, *argv) -> str:
    """``embedlab ARGV``: must fail with status 2 and one line on stderr, nothing on stdout; that line."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and len(err.splitlines()) == 1, (code, out, err)
    return err
