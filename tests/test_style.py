"""House style that a machine can check: ruff-clean, thin pages, caching only in dashboard/cached.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is installed with the test extra (pip install -e '.[test]')"
    out = subprocess.run([ruff, "check", "core", "dashboard", "tests", "bench"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]


def test_pages_are_thin_and_do_not_cache():
    for page in (ROOT / "dashboard" / "app_pages").glob("*.py"):
        text = page.read_text()
        assert len(text.splitlines()) <= 200, f"{page.name} is long: move logic to core/ or components/"
        assert not re.search(r"st\.cache_(data|resource)", text), f"{page.name}: caching belongs in cached.py"


def test_core_never_imports_streamlit():
    for module in (ROOT / "core").rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+streamlit", module.read_text(), re.M), module
