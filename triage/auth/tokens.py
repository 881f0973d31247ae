"""API tokens: shown once, stored as SHA-256 hashes (they are random, so no slow KDF is needed)."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "trg_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
