"""Where things live. One workspace ("home") holds the inbox, archive, quarantine, store and output.

The home is the PUBLISHER_HOME environment variable, or the current directory.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
TEMPLATES_DIR = PROJECT_DIR / "templates"
DEFAULT_STATIONS = PROJECT_DIR / "stations.yaml"


@dataclass(frozen=True)
class Workspace:
    """The folders of one deployment. Nothing here is created until it is needed."""

    home: Path
    output_dir: Path | None = None

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def store(self) -> Path:
        return self.home / "store"

    @property
    def output(self) -> Path:
        return self.output_dir or self.home / "output"

    @property
    def stations(self) -> Path:
        local = self.home / "stations.yaml"
        return local if local.exists() else DEFAULT_STATIONS


def workspace(home: str | os.PathLike[str] | None = None,
              output: str | os.PathLike[str] | None = None) -> Workspace:
    """The workspace at `home`, else $PUBLISHER_HOME, else the current directory.

    Bulletins go to `output`, else $PUBLISHER_OUTPUT, else ``<home>/output``.
    """
    chosen = home or os.environ.get("PUBLISHER_HOME") or os.getcwd()
    out = output or os.environ.get("PUBLISHER_OUTPUT")
    return Workspace(Path(chosen).resolve(), Path(out).resolve() if out else None)
