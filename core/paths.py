"""Where EmbedLab keeps what it writes: the workspace of uploads and the projection cache.

``EMBEDLAB_HOME`` moves everything (tests point it at a temporary folder); the default is
``~/.embedlab``.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    root = Path(os.environ.get("EMBEDLAB_HOME", Path.home() / ".embedlab")).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def workspace_dir() -> Path:
    path = home() / "workspace"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    path = home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def numba_cache_dir() -> Path:
    """Numba's on-disk cache of compiled code (UMAP, pynndescent) so no process compiles twice."""
    path = Path(os.environ.get("NUMBA_CACHE_DIR") or home() / "numba")
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_manifest(folder: Path, missing: str, damaged: str, valid=lambda manifest: True) -> dict:
    """The ``manifest.json`` :func:`write_folder` saved in ``folder``, as a dict. :class:`~core.errors.InputError`
    says ``missing`` when there is none, ``damaged`` when it is not a JSON object or ``valid(manifest)`` is
    false (a damaged file, or one from another EmbedLab version)."""
    import json

    from core.errors import InputError

    path = folder / "manifest.json"
    if not path.is_file():
        raise InputError(missing)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or not valid(manifest):
        raise InputError(damaged)
    return manifest


def saved_folders(root: Path, pattern, read) -> list[tuple[str, dict]]:
    """(name, manifest) of the folders under ``root`` that :func:`write_folder` saved: names matching ``pattern``
    (a compiled regex) whose ``read(name)`` returns the manifest, oldest first (by the manifest's ``created``,
    then the name). A folder whose ``read`` raises :class:`~core.errors.InputError` (damaged, half-written, from
    another version) is left out, so one bad upload never hides the others."""
    from core.errors import InputError

    found = []
    for path in root.iterdir() if root.is_dir() else ():
        if pattern.match(path.name):
            try:
                manifest = read(path.name)
            except InputError:
                continue
            created = manifest.get("created", 0)
            if isinstance(created, (int, float)) and not isinstance(created, bool):  # else it could not be sorted
                found.append((path.name, manifest))
    return sorted(found, key=lambda item: (item[1].get("created", 0), item[0]))


def write_folder(final: Path, files: dict, manifest: dict) -> None:
    """Write ``files`` (name -> bytes, or a callable that writes the given path) and ``manifest.json`` into the
    folder ``final``, atomically: everything goes into a temporary folder beside it, which is then renamed,
    so a crash never leaves a half-written folder. A folder without a manifest (damaged) is replaced; when
    another process saved the same folder first, its copy stands."""
    import json
    import shutil
    import uuid

    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        for name, content in files.items():
            if callable(content):
                content(tmp / name)
            else:
                (tmp / name).write_bytes(content)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
        if final.exists() and not (final / "manifest.json").is_file():
            shutil.rmtree(final, ignore_errors=True)
        try:
            tmp.rename(final)
        except OSError:  # another process saved the same content first
            if not (final / "manifest.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
