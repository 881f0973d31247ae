"""One model role per process (active, shadow): loaded once, reloaded only when its id changes.

Every ingest asks for the model, so the check is a tiny id query at most every CHECK_SECONDS;
the artefact is verified and rebuilt only when another process promoted a different version.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from triage.classify import artefact
from triage.classify.models import ModelVersion

log = logging.getLogger(__name__)
CHECK_SECONDS = 3.0


@dataclass
class _Entry:
    version_id: str | None
    model: artefact.TrainedModel | None
    checked_at: float


class LoadedModel:
    def __init__(
        self,
        role: str,
        current_id: Callable[[Session], str | None],
        load_row: Callable[[ModelVersion], artefact.TrainedModel],
        on_change: Callable[[str | None], None] | None = None,
    ) -> None:
        self.role = role
        self._current_id = current_id
        self._load_row = load_row
        self._on_change = on_change
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(session: Session) -> str:
        return str(session.get_bind().engine.url)

    def get(self, session: Session) -> artefact.TrainedModel | None:
        key, now = self._key(session), time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry.checked_at < CHECK_SECONDS:
            return entry.model
        with self._lock:
            version_id = self._current_id(session)
            entry = self._entries.get(key)
            if entry is None or entry.version_id != version_id:
                entry = _Entry(version_id, self._load(session, version_id), now)
                self._entries[key] = entry
                if self._on_change is not None:
                    self._on_change(version_id)
            entry.checked_at = now
            return entry.model

    def forget(self, session: Session) -> None:
        """Drop this database's entry so the next get() re-reads the id at once."""
        self._entries.pop(self._key(session), None)

    def _load(self, session: Session, version_id: str | None) -> artefact.TrainedModel | None:
        # A refused artefact must not break ingestion: tickets go to review and health says so.
        if version_id is None:
            return None
        row = session.get(ModelVersion, version_id)
        if row is None:
            return None
        try:
            return self._load_row(row)
        except artefact.ArtefactError as exc:
            log.error("%s model not loaded: %s", self.role, exc.message)
            return None
