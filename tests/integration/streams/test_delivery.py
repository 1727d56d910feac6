"""Delivery to a real webhook receiver on a loopback port: every entry at least once, in `seq`
order, signed; the cursor moves only once the receiver accepted; a 503 is retried until it
recovers, a 4xx refusal makes the stream `failing` until its destination is fixed, and the
retry window ends."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from asgi_audit import Action
from asgi_audit.testing import make_event
from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.settings import Settings
from callmanager.streams.delivery import Deliverer
from tests.conftest import LoginAs, make_settings
from tests.factories import LoggedIn
from tests.webhook_receiver import Receiver, webhook_receiver


def delivery_settings(database_url: str, tmp_path: Path, **more: object) -> Settings:
    """Settings that deliver to loopback receivers at once: fast polls, a short lease."""
    quick: dict[str, object] = {
        "streams_allow_private": True,
        "stream_poll_s": 0.05,
        "stream_batch_s": 0.05,
        "stream_lease_s": 3,
        "stream_timeout_s": 1,
        "audit_flush_interval_s": 0.05,
    }
    return make_settings(database_url, tmp_path, **{**quick, **more})


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return delivery_settings(database_url, tmp_path)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def stream_to(owner: LoggedIn, receiver: Receiver, **more: Any) -> dict[str, Any]:
    body = {
        "name": "SOC",
        "destination": {"kind": "webhook", "url": receiver.url},
        "start": {"from_seq": 0},
        **more,
    }
    response = owner.client.post(owner.url("/audit-log/streams"), json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receiver.secret = created["secret"]
    return created


def head(services: Services, owner: LoggedIn) -> int:
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    found = services.audit_store.log_head(owner.tenant_id)
    assert found is not None
    return found.seq


def make_groups(owner: LoggedIn, n: int, prefix: str = "G") -> None:
    for i in range(n):
        response = owner.client.post(owner.url("/groups"), json={"name": f"{prefix} {i}"})
        assert response.status_code == 201


def health(owner: LoggedIn, stream: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = owner.client.get(
        owner.url(f"/audit-log/streams/{stream['id']}")
    ).json()["health"]
    return found


def test_every_entry_reaches_the_receiver_once_in_seq_order_and_signed(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        make_groups(owner, 5)
        stream = stream_to(owner, receiver)
        make_groups(owner, 5, "H")
        last = head(services, owner)
        wait_for(lambda: last in receiver.seqs(), "the receiver has the head")
        seqs = receiver.seqs()
        assert seqs[: last + 1] == list(range(last + 1))
        assert all(d.verified for d in receiver.deliveries)
        ids = [e["id"] for d in receiver.accepted() for e in d.events]
        assert len(set(ids)) == len(ids)
        first = receiver.accepted()[0]
        assert first.payload["data"]["tenant_id"] == str(owner.tenant_id)
        assert first.headers["webhook-id"].startswith("msg_")
        created = [e for d in receiver.accepted() for e in d.events if e["action"] == "create"]
        assert "Created group 'H 4'" in [e["summary"] for e in created]
        assert any(e["request"] for e in created)  # whole entries, bodies included
        wait_for(lambda: (health(owner, stream)["cursor_seq"] or -1) >= last, "the cursor moved")
        now = health(owner, stream)
        assert now["last_success_at"] is not None
        assert now["status"] == "active"


def test_a_filtered_stream_sends_only_its_actions_and_its_cursor_still_reaches_the_head(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        stream = stream_to(owner, receiver, action_type="modifications")
        make_groups(owner, 3)
        owner.client.get(owner.url("/groups"))
        last = head(services, owner)
        wait_for(lambda: len(receiver.seqs()) >= 4, "the modifications arrived")
        events = [e for d in receiver.accepted() for e in d.events]
        assert {e["action"] for e in events} == {"create"}
        wait_for(
            lambda: (health(owner, stream)["cursor_seq"] or -1) >= last, "the cursor is at the head"
        )


def test_a_503_is_retried_until_the_receiver_recovers_and_nothing_is_skipped(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        receiver.answers.extend([503, 503])
        make_groups(owner, 3)
        stream = stream_to(owner, receiver)
        wait_for(lambda: len(receiver.deliveries) >= 2, "two attempts were refused")
        during = health(owner, stream)
        assert during["status"] == "retrying"
        assert during["last_error"]["status"] == 503
        assert during["cursor_seq"] is None
        last = head(services, owner)
        wait_for(lambda: last in receiver.seqs(), "the receiver recovered and got everything")
        assert receiver.seqs()[: last + 1] == list(range(last + 1))
        first, second, third = receiver.deliveries[:3]
        assert first.headers["webhook-id"] == second.headers["webhook-id"]
        assert first.body == second.body or first.events[0]["seq"] == 0
        assert health(owner, stream)["status"] == "active"
        assert third.headers["x-answered"] == "200"


def test_a_4xx_refusal_makes_the_stream_failing_until_its_destination_is_fixed(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        receiver.answers.append(400)
        stream = stream_to(owner, receiver)
        wait_for(lambda: health(owner, stream)["status"] == "failing", "the stream is failing")
        failing = health(owner, stream)
        assert failing["last_error"]["status"] == 400
        assert "refused by the test" in failing["last_error"]["excerpt"]
        assert failing["cursor_seq"] is None
        time.sleep(0.5)
        assert len(receiver.deliveries) == 1  # not tried again

        fixed = owner.client.patch(
            owner.url(f"/audit-log/streams/{stream['id']}"),
            json={"destination": {"kind": "webhook", "url": receiver.url}},
        )
        assert fixed.json()["health"]["status"] == "active"
        last = head(services, owner)
        wait_for(lambda: last in receiver.seqs(), "the resumed stream delivered")
        assert receiver.seqs()[: last + 1] == list(range(last + 1))


def test_after_the_retry_window_a_stream_is_failing_and_counts_what_it_did_not_deliver(
    login_as: LoginAs, services: Services
) -> None:
    assert isinstance(services.deliverer, Deliverer)
    services.deliverer.retry_window = timedelta(seconds=1.5)
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        receiver.answers.extend([503] * 100)
        stream = stream_to(owner, receiver)
        wait_for(lambda: health(owner, stream)["status"] == "failing", "the window ended")
        failing = health(owner, stream)
        assert failing["undelivered"] > 0
        assert failing["last_error"]["status"] == 503
        assert failing["cursor_seq"] is None


def test_a_paused_stream_sends_nothing_and_resumes_at_its_cursor(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        stream = stream_to(owner, receiver)
        first = head(services, owner)
        wait_for(lambda: first in receiver.seqs(), "the first entries arrived")
        owner.client.post(owner.url(f"/audit-log/streams/{stream['id']}/pause"))
        time.sleep(0.3)  # a batch in flight when the pause came may still land
        got = len(receiver.seqs())
        make_groups(owner, 3)
        time.sleep(0.5)
        assert len(receiver.seqs()) == got
        owner.client.post(owner.url(f"/audit-log/streams/{stream['id']}/resume"))
        last = head(services, owner)
        wait_for(lambda: last in receiver.seqs(), "the resumed stream caught up")
        seqs = receiver.seqs()
        assert sorted(set(seqs))[: last + 1] == list(range(last + 1))
        assert seqs == sorted(seqs)


def test_a_backfill_goes_in_batches_of_at_most_500_in_order_without_gaps(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    base = datetime.now(UTC) - timedelta(hours=1)
    services.audit_store.write(
        [make_event(owner.tenant_id, occurred_at=base + timedelta(seconds=n)) for n in range(1200)],
        [],
    )
    with webhook_receiver() as receiver:
        stream_to(owner, receiver)
        last = head(services, owner)
        assert last >= 1200
        wait_for(lambda: last in receiver.seqs(), "the backfill reached the head")
        sizes = [len(d.events) for d in receiver.accepted()]
        assert sizes[:2] == [500, 500]
        assert max(sizes) == 500
        assert receiver.seqs()[: last + 1] == list(range(last + 1))


def test_a_filtered_stream_whose_window_ended_counts_only_the_entries_it_would_have_sent(
    login_as: LoginAs, services: Services
) -> None:
    """`undelivered` leaves out what the stream's filter skips (here: 40 reads)."""
    assert isinstance(services.deliverer, Deliverer)
    services.deliverer.retry_window = timedelta(seconds=1.5)
    owner = login_as(Role.OWNER)
    base = datetime.now(UTC) - timedelta(hours=1)
    reads = [
        make_event(owner.tenant_id, occurred_at=base + timedelta(seconds=n), action=Action.READ)
        for n in range(40)
    ]
    creates = [
        make_event(owner.tenant_id, occurred_at=base + timedelta(seconds=50 + n)) for n in range(3)
    ]
    services.audit_store.write([*reads, *creates], [])
    with webhook_receiver() as receiver:
        receiver.answers.extend([503] * 100)
        stream = stream_to(owner, receiver, action_type="create")
        wait_for(lambda: health(owner, stream)["status"] == "failing", "the window ended")
        failing = health(owner, stream)
        wanted = services.audit_store.count_after(owner.tenant_id, -1, frozenset({Action.CREATE}))
        assert wanted >= 3
        assert failing["undelivered"] == wanted
        assert failing["lag_entries"] == wanted


def test_a_native_stream_delivers_each_entry_as_the_api_returns_it(
    login_as: LoginAs, services: Services
) -> None:
    """The events are written by the database from the stored rows: the same JSON, keys in
    the same order, as `GET …/audit-log/{entry_id}` (bodies, changes, resource names, nulls)."""
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        make_groups(owner, 3)
        group = owner.client.get(owner.url("/groups")).json()["items"][0]
        edited = owner.client.patch(
            owner.url(f"/groups/{group['id']}"), json={"name": 'Ünïcode "q"'}
        )
        assert edited.status_code == 200
        owner.client.post(owner.url("/groups"), json={"name": ""})  # a refusal (422)
        stream_to(owner, receiver)
        last = head(services, owner)
        wait_for(lambda: last in receiver.seqs(), "the receiver has the head")
        events = [e for d in receiver.accepted() for e in d.events if e["seq"] <= last]
        assert {e["action"] for e in events} >= {"create", "edit", "read"}
        assert any("changes" in e for e in events)
        for event in events:
            api = owner.client.get(owner.url(f"/audit-log/{event['id']}")).json()
            assert list(event) == list(api)
            assert event == api


def test_streams_a_few_entries_apart_each_get_every_entry_from_their_start_in_order(
    login_as: LoginAs, services: Services
) -> None:
    """Streams of one tenant share what they read even when their cursors differ (streams made
    one after another begin apart): each still gets every entry from its own start, in order,
    once, with no gap where its cursor fell inside another's page."""
    owner = login_as(Role.OWNER)
    make_groups(owner, 3)
    with webhook_receiver() as a, webhook_receiver() as b, webhook_receiver() as c:
        receivers = {0: a, 2: b, 5: c}
        for start, receiver in receivers.items():
            stream_to(owner, receiver, start={"from_seq": start})
        for burst in range(4):
            make_groups(owner, 8, f"Burst {burst}")
            time.sleep(0.03)
        last = head(services, owner)
        for start, receiver in receivers.items():
            wait_for(lambda r=receiver: last in r.seqs(), f"the stream from {start} has the head")
            seqs = receiver.seqs()
            assert seqs[: last + 1 - start] == list(range(start, last + 1)), start
            ids = [e["id"] for d in receiver.accepted() for e in d.events]
            assert len(set(ids)) == len(ids)
