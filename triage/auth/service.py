"""Create and look up users."""

from __future__ import annotations

import time

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


def end_sessions(session: Session, user: User) -> None:
    """Every session cookie issued to the user so far stops working, on every process."""
    user.sessions_revoked_at = time.time()
    session.add(user)
    session.flush()


def sign_out(session: Session, user: User, detail: str = "web") -> None:
    end_sessions(session, user)
    audit.record(session, user.email, "auth.sign_out", detail=detail)


def set_role(session: Session, user: User, role: str, actor: str) -> None:
    """A new role takes effect now: sessions signed in under the old one end."""
    if role not in ROLES:
        raise TriageError(f"role must be one of {', '.join(ROLES)}", 422)
    before = user.role
    user.role = role
    end_sessions(session, user)
    audit.record(
        session,
        actor,
        "user.role",
        before={"email": user.email, "role": before},
        after={"email": user.email, "role": role},
    )


def set_active(session: Session, user: User, active: bool, actor: str) -> None:
    """Disabling ends the user's sessions; re-enabling does not bring old ones back."""
    user.active = active
    end_sessions(session, user)
    action = "user.enable" if active else "user.disable"
    audit.record(session, actor, action, after={"email": user.email})


def user_by_email(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        raise TriageError(f"no user {email}", 404)
    return user
