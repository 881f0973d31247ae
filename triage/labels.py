"""The one reader of labels/: the taxonomy, the routing rules and the templates index.

Every domain parses what it needs from these documents (routing its routes, classify its
category ids, the LLM its catalogue, replies their templates), but the files are read, parsed as
YAML and fingerprinted here only, once per process: they change only with a deploy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TAXONOMY = "taxonomy.yaml"
ROUTING = "routing.yaml"
TEMPLATES_DIR = "templates"
TEMPLATES_INDEX = f"{TEMPLATES_DIR}/index.yaml"
DATA_DIR = "data"


class LabelsError(Exception):
    """A labels/ file is missing or is not the YAML it should be; says which file, never why
    in terms of its content (a parse error can quote the file)."""


@dataclass(frozen=True)
class Document:
    path: Path
    raw: bytes
    data: Any

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@lru_cache(maxsize=32)
def read(path: Path) -> Document:
    """One YAML file under labels/, parsed once per process."""
    try:
        raw = Path(path).read_bytes()
        data = yaml.safe_load(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise LabelsError(f"{path}: cannot read ({type(exc).__name__})") from None
    return Document(Path(path), raw, data)


def taxonomy(labels_dir: Path) -> Document:
    return read(Path(labels_dir) / TAXONOMY)


def routing(labels_dir: Path) -> Document:
    return read(Path(labels_dir) / ROUTING)


def templates_index(labels_dir: Path) -> Document:
    return read(Path(labels_dir) / TEMPLATES_INDEX)


def templates_dir(labels_dir: Path) -> Path:
    return Path(labels_dir) / TEMPLATES_DIR


def training_files(labels_dir: Path) -> list[Path]:
    """The seed examples, labels/data/*.jsonl, in a stable order."""
    return sorted((Path(labels_dir) / DATA_DIR).glob("*.jsonl"))
