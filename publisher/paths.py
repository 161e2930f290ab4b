"""Where things live. One workspace ("home") holds the inbox, archive, quarantine, store and output.

The home is the PUBLISHER_HOME environment variable, or the current directory.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: the checkout's root (in an installed wheel: site-packages, where none of the checkout's files are)
PROJECT_DIR = PACKAGE_DIR.parent


def _shipped(installed: Path, checkout: Path) -> Path:
    """A resource the wheel carries inside the package (`installed`) and a checkout keeps at its root."""
    return installed if installed.exists() else checkout


#: the bulletin pages (top-level templates/ in a checkout, publisher/templates/ in a wheel)
TEMPLATES_DIR = _shipped(PACKAGE_DIR / "templates", PROJECT_DIR / "templates")
#: the region's station registry shipped as the default (stations.yaml at the root of a checkout)
DEFAULT_STATIONS = _shipped(PACKAGE_DIR / "stations" / "stations.yaml", PROJECT_DIR / "stations.yaml")
#: the bureau's settings shipped as defaults (approval.yaml, air.yaml, bulletins.yaml), each overridable by
#: the same file in the workspace
DEFAULTS_DIR = PACKAGE_DIR / "defaults"
#: the real air feeds the demo ingests: in a checkout only (demo data are not library data)
SAMPLE_FEEDS = PROJECT_DIR / "sample"


#: the home of the workspace this process last opened (see :func:`active_home`), as text
_ACTIVE: dict[str, str] = {}


@dataclass(frozen=True)
class Workspace:
    """The folders of one deployment. Nothing here is created until it is needed. Opening one makes it the
    process's active workspace (:func:`active_home`)."""

    home: Path
    output_dir: Path | None = None

    def __post_init__(self) -> None:
        _ACTIVE["home"] = str(self.home)

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


def active_home() -> Path:
    """The home of the workspace the process works in: the last :class:`Workspace` opened (by a command's
    ``--home``, the scheduler, a test), else $PUBLISHER_HOME, else the current directory. The standards loader
    reads the workspace's local discharge standards (``<home>/standards/``) from here."""
    return Path(active_home_text())


def active_home_text() -> str:
    """:func:`active_home` as text, cheap enough for every standards lookup."""
    return _ACTIVE.get("home") or os.environ.get("PUBLISHER_HOME") or os.getcwd()
