"""Queries of users, tokens and devices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, literal, select, union_all, update
from sqlalchemy.orm import Session

from server.auth.models import AuthToken, Device, User, UserBranch, UserRegion


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def user_branch_ids(session: Session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(UserBranch.branch_id)
            .where(UserBranch.user_id == user_id)
            .order_by(UserBranch.branch_id)
        )
    )


def set_user_branches(session: Session, user_id: int, branch_ids: Sequence[int]) -> None:
    session.execute(delete(UserBranch).where(UserBranch.user_id == user_id))
    for branch_id in sorted(set(branch_ids)):
        session.add(UserBranch(user_id=user_id, branch_id=branch_id))


def user_scope(session: Session, user_id: int) -> tuple[list[int], list[int]]:
    """The user's own branch ids and region ids, in one query (authentication reads them for
    every token it has not seen in the last seconds)."""
    query = union_all(
        select(literal(0), UserBranch.branch_id).where(UserBranch.user_id == user_id),
        select(literal(1), UserRegion.region_id).where(UserRegion.user_id == user_id),
    )
    found: tuple[list[int], list[int]] = ([], [])
    for kind, id_ in session.execute(query):
        found[kind].append(id_)
    return sorted(found[0]), sorted(found[1])


def user_region_ids(session: Session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(UserRegion.region_id)
            .where(UserRegion.user_id == user_id)
            .order_by(UserRegion.region_id)
        )
    )


def set_user_regions(session: Session, user_id: int, region_ids: Sequence[int]) -> None:
    session.execute(delete(UserRegion).where(UserRegion.user_id == user_id))
    for region_id in sorted(set(region_ids)):
        session.add(UserRegion(user_id=user_id, region_id=region_id))


def usernames(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """{user id: username} of those of `ids` that exist (one query; none for no ids)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {int(user_id): str(name) for user_id, name in rows}


def device_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """{device id: name} of those of `ids` that exist."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Device.id, Device.name).where(Device.id.in_(wanted)))
    return {int(device_id): str(name) for device_id, name in rows}


def users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.id)).all()


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def token(session: Session, token_hash: str) -> tuple[AuthToken, User | None] | None:
    """A login token and its user, in one query."""
    query = (
        select(AuthToken, User)
        .outerjoin(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == token_hash)
    )
    row = session.execute(query).first()
    return None if row is None else (row[0], row[1])


def revoke_token(session: Session, token_hash: str, now: datetime) -> bool:
    """Revoke a login token; False if there is none or it was revoked already."""
    result = session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == token_hash, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def device_by_token(session: Session, token_hash: str) -> Device | None:
    return session.scalars(select(Device).where(Device.token_hash == token_hash)).first()


def devices(session: Session, branch_ids: Sequence[int] | None) -> Sequence[Device]:
    query = select(Device).order_by(Device.id)
    if branch_ids is not None:
        query = query.where(Device.branch_id.in_(branch_ids))
    return session.scalars(query).all()


def purge_tokens(session: Session, now: datetime) -> None:
    session.execute(delete(AuthToken).where(AuthToken.expires_at < now - timedelta(days=1)))


def revoke_user_tokens(session: Session, user_id: int, now: datetime) -> int:
    """Revoke every login token of a user that is still valid; how many were."""
    result = session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
