"""The domain's JSON columns (a group's members, a call flow's hours and routing) are read by
orjson on both databases, and read back exactly what was stored."""

from __future__ import annotations

import uuid

import orjson
from sqlalchemy.orm import Session, sessionmaker

from callmanager.domain.groups import service


def test_json_columns_are_read_by_orjson(sessions: sessionmaker[Session]) -> None:
    bind = sessions.kw["bind"]
    assert bind.dialect._json_deserializer is orjson.loads


def test_a_groups_members_read_back_as_stored(
    sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    members = ["ana@contoso.example", "Zoë Ünal <zoe@contoso.example>", "☎ +44 20 7946 0000"]
    with sessions() as db:
        service.create_group(db, tenant_id, "Sales", "Front desk", members)
        db.commit()
    with sessions() as db:
        (row,) = service.list_groups(db, tenant_id)
    assert list(row.members) == members
