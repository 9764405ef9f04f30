"""Editors: the accounts that may import, choose the default dataset and remove.

Viewing needs no account (unless ``Settings.require_login``). Operators manage editors from the
command line (``lnmap users add|list|remove``); passwords are kept as salted hashes
(werkzeug.security, scrypt). Every change is a line in the audit log.
"""

from __future__ import annotations

import os
import re

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from geo.core.settings import Settings
from geo.store import db

NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8
#: Checked against when a name is unknown, so an unknown name takes as long as a wrong password.
_DUMMY = generate_password_hash("not a password of anyone")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"not a user name: {name!r} (1-64 letters, digits, _ . @ -)")
    return name


def add_user(name: str, password: str, settings: Settings | None = None, *, actor: str = "cli") -> None:
    """Add an editor, or set a new password for one."""
    check_name(name)
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password is too short: at least {MIN_PASSWORD} characters")
    u = db.users
    with db.writing(settings, "add the user") as conn:
        known = conn.execute(sa.select(u.c.name).where(u.c.name == name)).first() is not None
        if known:
            conn.execute(u.update().where(u.c.name == name).values(password_hash=generate_password_hash(password)))
        else:
            conn.execute(u.insert().values(name=name, password_hash=generate_password_hash(password), role="editor",
                                           created_at=db.now_text(), created_by=actor))
        db.record(conn, actor, "user-password" if known else "user-add", detail=name)


def remove_user(name: str, settings: Settings | None = None, *, actor: str = "cli") -> None:
    u = db.users
    with db.writing(settings, "remove the user") as conn:
        if conn.execute(u.delete().where(u.c.name == name)).rowcount == 0:
            raise KeyError(f"no user {name!r}")
        db.record(conn, actor, "user-remove", detail=name)


def list_users(settings: Settings | None = None) -> list[dict]:
    u = db.users
    with db.reading(settings, "list the users") as conn:
        return [dict(r) for r in conn.execute(sa.select(u.c.name, u.c.role, u.c.created_at, u.c.created_by)
                                              .order_by(u.c.name)).mappings()]


def is_editor(name: str, settings: Settings | None = None) -> bool:
    u = db.users
    with db.reading(settings, "read the users") as conn:
        return conn.execute(sa.select(u.c.name).where(u.c.name == name, u.c.role == "editor")).first() is not None


def verify(name: str, password: str, settings: Settings | None = None) -> bool:
    """True when ``name`` is an editor whose password is ``password``."""
    u = db.users
    with db.reading(settings, "read the users") as conn:
        row = conn.execute(sa.select(u.c.password_hash).where(u.c.name == name)).first()
    return check_password_hash(row[0] if row else _DUMMY, password or "") and row is not None


def secret_key(settings: Settings | None = None) -> str:
    """The key that signs session cookies: made once and kept in the database, so every worker and
    every host sharing the database accepts the same sign-in."""
    import secrets

    with db.writing(settings, "read the session key") as conn:
        key = db.get_state(conn, "secret_key")
        if key is None:
            key = secrets.token_hex(32)
            db.set_state(conn, "secret_key", key)
    return key


def default_actor() -> str:
    """Who runs the command line: ``cli:<login>`` in the audit log."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid{os.getuid()}"
