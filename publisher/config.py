"""The bureau's configuration files: ``<home>/X.yaml`` when the workspace has one, else the default the
program ships in ``publisher/defaults/X.yaml``. One loader for all of them (``approval.yaml``,
``air.yaml``, ``bulletins.yaml``): a file over :data:`MAX_BYTES` or nested deeper than the safe parser
allows is refused before it is parsed, and every failure is an :class:`ConfigError` naming the file,
the reason and the file's stable English code (``bad_approval_config`` …)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from publisher import safeparse
from publisher.errors import InputError
from publisher.paths import DEFAULTS_DIR

#: no configuration file is anywhere near this; a larger one is refused unread
MAX_BYTES = 64 * 1024


class ConfigError(InputError):
    """A configuration file cannot be read or is not what it should be; ``code`` is the stable code."""

    def __init__(self, message: str, code: str):
        super().__init__(f"{message} ({code})")
        self.code = code
        self.reason = message  # the message without the code, for callers with their own error type


def default_path(name: str) -> Path:
    """The shipped default of the configuration file `name`."""
    return DEFAULTS_DIR / name


def path_of(name: str, home: str | os.PathLike[str] | None) -> Path:
    """``<home>/<name>`` when the workspace has one, else the shipped default."""
    if home is not None and (Path(home) / name).is_file():
        return Path(home) / name
    return default_path(name)


def read(path: str | os.PathLike[str], *, what_zh: str, code: str) -> Any:
    """The YAML document of `path`, bounded in size and depth; an empty file is ``{}``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(f"{what_zh} {path} 过大（{size} 字节，上限 {MAX_BYTES // 1024} KB）", code)
        data = safeparse.load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{what_zh} {path} 无法读取：{exc}", code) from exc
    return {} if data is None else data


def load(name: str, home: str | os.PathLike[str] | None, *, what_zh: str, code: str) -> tuple[Any, Path]:
    """The document of the configuration file `name` for the workspace `home`, and the file it came from."""
    path = path_of(name, home)
    return read(path, what_zh=what_zh, code=code), path
