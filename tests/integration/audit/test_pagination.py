"""Keyset pagination, property-based on both databases: the pages of a query, joined, are its
whole result in order, each entry once, even while new entries arrive between pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgi_audit import Action, AuditLog, SqlAuditStore, parse_query
from asgi_audit.testing import make_event

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
FROM, TO = (BASE - timedelta(hours=1)).isoformat(), (BASE + timedelta(hours=2)).isoformat()

entry_specs = st.lists(
    st.tuples(
        st.integers(0, 30).map(lambda s: BASE + timedelta(seconds=s)),  # few seconds: many ties
        st.sampled_from(list(Action)),
    ),
    max_size=40,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=entry_specs,
    limit=st.integers(1, 7),
    action_type=st.sampled_from(["all", "modifications", "read"]),
    arrivals=st.lists(st.integers(0, 3), max_size=10),
)
def test_pages_joined_are_the_whole_result_once_each_in_order(
    store: SqlAuditStore, specs: list[tuple[datetime, Action]], limit: int, action_type: str,
    arrivals: list[int],
) -> None:  # fmt: skip
    tenant, neighbour = uuid.uuid4(), uuid.uuid4()
    events = [make_event(tenant, occurred_at=at, action=action) for at, action in specs]
    noise = [make_event(neighbour, occurred_at=at, action=action) for at, action in specs]
    store.write(events + noise, [])
    log = AuditLog(store, cursor_key=b"pagination")

    def query(cursor: str | None = None) -> object:
        return parse_query(
            tenant, action_type=action_type, start=FROM, end=TO, limit=limit, cursor=cursor
        )

    expected = [
        e.id
        for e in sorted(events, key=lambda e: (e.occurred_at, e.id), reverse=True)
        if action_type == "all" or (action_type == "read") == (e.action is Action.READ)
    ]
    seen: list[uuid.UUID] = []
    cursor: str | None = None
    arriving = iter(arrivals)
    for _ in range(len(events) + 2):
        page = log.search(query(cursor))  # type: ignore[arg-type]
        assert len(page.items) <= limit
        seen += [e.id for e in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
        newer = BASE + timedelta(seconds=31 + len(seen))
        store.write([make_event(tenant, occurred_at=newer) for _ in range(next(arriving, 1))], [])
    assert cursor is None
    assert seen == expected
