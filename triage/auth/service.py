"""Create and look up users."""

from __future__ import annotations

from sqlmodel import Session, select

from triage.audit import log as audit
from triage.auth.models import ROLES, User
from triage.auth.tokens import hash_token, new_token
from triage.errors import TriageError


def create_user(
    session: Session, email: str, role: str, teams: list[str], actor: str = "cli"
) -> tuple[User, str]:
    """Create a user and return it with its one-time plain token."""
    if role not in ROLES:
        raise TriageError(f"role must be one of {', '.join(ROLES)}", 422)
    if "@" not in email:
        raise TriageError("email must be an email address", 422)
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise TriageError(f"user {email} already exists", 409)
    token = new_token()
    user = User(email=email, role=role, teams=sorted(set(teams)), token_hash=hash_token(token))
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.create", after={"email": email, "role": role, "teams": teams}
    )
    return user, token


def user_for_token(session: Session, token: str) -> User | None:
    user = session.exec(select(User).where(User.token_hash == hash_token(token))).first()
    return user if user is not None and user.active else None


def user_by_id(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.active else None
