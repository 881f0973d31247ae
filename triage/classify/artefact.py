"""Model artefacts as bytes: skops serialisation, SHA-256 checks, and model directories.

Nothing here unpickles. skops rebuilds only the types listed in TRUSTED_TYPES (plus the
builtins it always allows), and the bytes are checked against their recorded SHA-256 first, so
a tampered or truncated artefact is refused before any of it is interpreted.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import skops.io as sio
from skops.io.exceptions import UntrustedTypesFoundException

from triage.classify.classifier import TrainedModel
from triage.errors import TriageError

TRUSTED_TYPES = [
    "numpy.float64",
    "numpy.ndarray",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC",
    "triage.classify.classifier.normalise",
]
ARTEFACT_FILE = "model.skops"
METADATA_FILE = "metadata.json"


class ArtefactError(TriageError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status_code=422, code="invalid_model")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dumps(model: TrainedModel) -> bytes:
    """The fitted parts: pipeline, label order and temperature. Thresholds live beside them."""
    payload = {
        "pipeline": model.pipeline,
        "labels": list(model.labels),
        "temperature": float(model.temperature),
    }
    # Deflate: a fifth of the size in the database, and no readable vocabulary in the blob.
    return bytes(sio.dumps(payload, compression=zipfile.ZIP_DEFLATED))


def loads(
    data: bytes,
    expected_sha256: str,
    *,
    version: str,
    thresholds: dict[str, float | None],
    metadata: dict[str, Any] | None = None,
) -> TrainedModel:
    """Verify the bytes, then rebuild the model from trusted types only."""
    if sha256(data) != expected_sha256:
        raise ArtefactError(f"model {version}: artefact SHA-256 does not match; refusing to load")
    try:
        payload = sio.loads(data, trusted=TRUSTED_TYPES)
    except UntrustedTypesFoundException as exc:
        raise ArtefactError(f"model {version}: artefact holds untrusted types ({exc})") from None
    if not isinstance(payload, dict) or not {"pipeline", "labels", "temperature"} <= set(payload):
        raise ArtefactError(f"model {version}: artefact is not a triage model")
    return TrainedModel(
        pipeline=payload["pipeline"],
        labels=[str(label) for label in payload["labels"]],
        temperature=float(payload["temperature"]),
        thresholds=dict(thresholds),
        version=version,
        metadata=dict(metadata or {}),
    )


def save_dir(model: TrainedModel, directory: Path) -> Path:
    """Write model.skops and metadata.json (with the artefact's SHA-256) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    data = dumps(model)
    (directory / ARTEFACT_FILE).write_bytes(data)
    document = {
        "id": model.version,
        "sha256": sha256(data),
        "labels": model.labels,
        "thresholds": model.thresholds,
        **{k: v for k, v in model.metadata.items() if k not in {"id", "sha256"}},
    }
    (directory / METADATA_FILE).write_text(json.dumps(document, indent=2, default=str) + "\n")
    return directory


def load_dir(directory: Path) -> TrainedModel:
    try:
        document = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
        data = (directory / ARTEFACT_FILE).read_bytes()
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtefactError(f"{directory}: not a model directory ({type(exc).__name__})") from None
    return loads(
        data,
        str(document.get("sha256", "")),
        version=str(document.get("id", directory.name)),
        thresholds=document.get("thresholds", {}),
        metadata=document,
    )
