"""`triage users create` prints a one-time token that signs in; only its hash is stored."""

from __future__ import annotations

from sqlmodel import Session, select
from typer.testing import CliRunner

from triage.auth import service
from triage.auth.models import User
from triage.auth.tokens import hash_token
from triage.cli import app


def test_users_create_prints_a_working_token(settings, session: Session):
    args = ["users", "create", "--email", "kim@psp.example", "--role", "analyst"]
    result = CliRunner().invoke(app, [*args, "--team", "risk", "--team", "payments"])
    assert result.exit_code == 0, result.output
    token = result.output.split("API token (shown once): ")[1].strip()
    user = session.exec(select(User).where(User.email == "kim@psp.example")).one()
    assert user.teams == ["payments", "risk"] and user.role == "analyst"
    assert user.token_hash == hash_token(token) and token not in user.token_hash
    found = service.user_for_token(session, token)
    assert found is not None and found.email == "kim@psp.example"


def test_users_create_refuses_an_unknown_role(settings):
    args = ["users", "create", "--email", "x@psp.example", "--role", "root"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "role must be one of" in result.output


def test_users_set_role_disable_and_enable_end_sessions(settings, session: Session):
    user, _ = service.create_user(session, "ray@psp.example", "analyst", [])
    session.commit()
    runner = CliRunner()
    steps = [
        (["users", "set-role", "--email", "ray@psp.example", "--role", "lead"], "lead", True),
        (["users", "disable", "--email", "ray@psp.example"], "lead", False),
        (["users", "enable", "--email", "ray@psp.example"], "lead", True),
    ]
    revoked = user.sessions_revoked_at
    for args, role, active in steps:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        session.expire_all()
        changed = session.exec(select(User).where(User.email == "ray@psp.example")).one()
        assert (changed.role, changed.active) == (role, active)
        assert changed.sessions_revoked_at > revoked
        revoked = changed.sessions_revoked_at
    unknown = runner.invoke(app, ["users", "disable", "--email", "nobody@psp.example"])
    assert unknown.exit_code == 2 and "no user" in unknown.output
