"""The store contract: behaviour every event store shows, whatever keeps the log.

``StoreContract`` is abstract (pytest does not collect it): each backend subclasses it
once and says how to open a store and how to alter a stored payload behind the store's
back. The memory store runs it in ``tests/unit``, SQLite and PostgreSQL in
``tests/integration``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from ledger.applicants import Applicant, NewApplicant
from ledger.errors import ConcurrencyError, InvalidInput
from ledger.events import codec
from ledger.events import requests as ev
from ledger.events.store import (
    ANY,
    NO_STREAM,
    ChainCheck,
    NewEvent,
    Store,
    StreamAppend,
    StreamCount,
)
from ledger.events.types import Event, parse_event, register, register_upcaster
from ledger.texts import Resolver, mark
from tests.probe_events import Noted

DAY = date(2020, 3, 2)
LI = Applicant(name="李华", id_number="110101199001011234", phone="13800000000")


def note(text: str, amount: str = "0") -> NewEvent:
    return NewEvent(Noted(text=text, amount=amount), DAY)


def count(store: Store) -> int:
    return len(list(store.read_all()))


class StoreContract:
    """Behaviour every store backend must show; subclasses say which backend."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        raise NotImplementedError

    def tamper(self, store: Store, position: int, data_text: str) -> None:
        """Replace a stored payload without the store (as an intruder with the files would)."""
        raise NotImplementedError

    def test_round_trip(self, store: Store) -> None:
        """What is appended reads back identically, by stream and in global order."""
        result = store.append(
            "s-1",
            [note("一", "1.50"), note("二")],
            expected_version=NO_STREAM,
            command_id="cmd-1",
            actor="desk-1",
            agency="a",
        )
        assert [e.version for e in result.events] == [1, 2]
        stream = store.read_stream("s-1")
        assert [(e.position, e.version, e.data["text"]) for e in stream] == [
            (1, 1, "一"),
            (2, 2, "二"),
        ]
        first = stream[0]
        assert first.data == {"text": "一", "amount": "1.50"}
        assert first.effective_date == DAY
        assert isinstance(first.recorded_at, datetime)
        assert (first.actor, first.agency, first.command_id) == ("desk-1", "a", "cmd-1")
        assert first.event() == Noted(text="一", amount="1.50")
        assert list(store.read_all()) == stream
        assert result.events == tuple(stream)

    def test_a_projection_gets_streams_and_checkpoints_only_as_they_are(self, store: Store) -> None:
        """Inside an append, a stream the store holds is the whole stream with the new
        events, and a checkpoint it read is the one stored; outside, the store holds none."""
        seen: list[tuple[list[object] | None, int | None]] = []

        class Probe:
            name = "probe"
            watched: tuple[str, ...] = ()

            def apply(self, st: Store, events: object) -> None:
                seen.append((st.held_stream("s-1"), st.checkpoint_seen(self.name)))

        store.projections.append(Probe())
        try:
            store.append("s-1", [note("a"), note("b")], expected_version=NO_STREAM,
                         actor="x", agency="a")  # fmt: skip
            store.read_stream("s-1")
            store.append("s-1", [note("c")], expected_version=2, actor="x", agency="a")
        finally:
            store.projections.pop()
        whole = store.read_stream("s-1")
        for (held, checkpoint), upto in zip(seen, (2, 3), strict=True):
            assert held is None or held == whole[:upto]
            assert checkpoint in (None, 0)  # the probe keeps no checkpoint table
        assert (store.held_stream("s-1"), store.checkpoint_seen("probe")) == (None, None)

    def test_hashes_are_the_chain_of_the_codec(self, store: Store) -> None:
        """Each stored hash is ``codec.chain_hash`` of its row and the hash before it."""
        store.append(
            "s-1", [note("a"), note("b")], expected_version=NO_STREAM, actor="x", agency="a"
        )
        previous = codec.GENESIS
        for e in store.read_all():
            expected = codec.chain_hash(
                previous, position=e.position, stream_id=e.stream_id, version=e.version,
                type_name=e.type, schema_version=e.schema_version, data=e.data,
                effective_date=e.effective_date, recorded_at=e.recorded_at, actor=e.actor,
                agency=e.agency, command_id=e.command_id,
            )  # fmt: skip
            assert e.hash == expected
            previous = e.hash

    def test_a_reader_cannot_change_what_was_recorded(self, store: Store) -> None:
        """Changing a payload that was read changes nothing stored."""
        store.append("s-1", [note("a")], expected_version=NO_STREAM, actor="x", agency="a")
        store.read_stream("s-1")[0].data["text"] = "changed"
        assert store.read_stream("s-1")[0].data["text"] == "a"
        assert store.verify_chain().broken_at is None

    def test_stale_expected_version_is_refused(self, store: Store) -> None:
        """A stale expected version raises, naming the stream and both versions, and writes nothing."""
        store.append("s-1", [note("a")], expected_version=NO_STREAM, actor="x", agency="a")
        with pytest.raises(ConcurrencyError) as caught:
            store.append(
                "s-1", [note("b"), note("c")], expected_version=NO_STREAM, actor="x", agency="a"
            )
        assert "s-1" in str(caught.value)
        assert "expected version 0" in str(caught.value)
        assert "at version 1" in str(caught.value)
        assert count(store) == 1
        assert store.stream_version("s-1") == 1

    def test_multi_stream_append_is_all_or_nothing(self, store: Store) -> None:
        """When one stream of a batch is stale, no stream of the batch is written."""
        store.append("s-2", [note("a")], expected_version=NO_STREAM, actor="x", agency="a")
        batches = [
            StreamAppend("s-1", [note("b")], expected_version=NO_STREAM),
            StreamAppend("s-2", [note("c")], expected_version=NO_STREAM),
        ]
        with pytest.raises(ConcurrencyError):
            store.append_many(batches, actor="x", agency="a")
        assert count(store) == 1
        assert store.stream_ids("s-") == ["s-2"]

    def test_one_stream_twice_in_an_append_continues_its_versions(self, store: Store) -> None:
        """A stream named twice in one append numbers on; a stale second batch refuses all."""
        twice = [
            StreamAppend("s-1", [note("a")], expected_version=NO_STREAM),
            StreamAppend("s-1", [note("b")], expected_version=1),
        ]
        store.append_many(twice, actor="x", agency="a")
        assert [e.version for e in store.read_stream("s-1")] == [1, 2]
        stale = [
            StreamAppend("s-1", [note("c")], expected_version=2),
            StreamAppend("s-1", [note("d")], expected_version=2),
        ]
        with pytest.raises(ConcurrencyError):
            store.append_many(stale, actor="x", agency="a")
        assert count(store) == 2
        office = [StreamAppend("o", [note(t)], expected_version=ANY) for t in "xy"]
        store.append_many(office, actor="x", agency="a")
        assert [e.version for e in store.read_stream("o")] == [1, 2]

    def test_bad_stream_and_unregistered_event_are_refused(self, store: Store) -> None:
        """An empty stream id or an unregistered event type is refused before anything is written."""

        class Unregistered(Event):
            type = "test.unregistered-contract"

        with pytest.raises(InvalidInput, match="stream id"):
            store.append("", [note("a")], expected_version=ANY, actor="x", agency="a")
        with pytest.raises(InvalidInput, match=r"'test\.unregistered-contract' is unknown"):
            store.append(
                "s", [NewEvent(Unregistered(), DAY)], expected_version=ANY, actor="x", agency="a"
            )
        assert count(store) == 0

    def test_repeated_command_id_writes_nothing(self, store: Store) -> None:
        """Repeating an append with a stored command id returns the stored result and writes nothing."""
        first = store.append(
            "s-1",
            [note("a")],
            expected_version=NO_STREAM,
            command_id="cmd-7",
            actor="x",
            agency="a",
        )
        again = store.append(
            "s-1",
            [note("a")],
            expected_version=NO_STREAM,
            command_id="cmd-7",
            actor="x",
            agency="a",
        )
        assert again.replayed
        assert not first.replayed
        assert again.events == first.events
        assert count(store) == 1

    def test_the_events_of_a_command_are_found_by_its_id(self, store: Store) -> None:
        """A command id names exactly the events its append stored; an unknown id names none."""
        stored = store.append(
            "s-1", [note("a"), note("b")], expected_version=NO_STREAM, command_id="cmd-9",
            actor="x", agency="a",
        )  # fmt: skip
        store.append("s-2", [note("c")], expected_version=NO_STREAM, actor="x", agency="a")
        assert store.events_of_command("cmd-9") == stored.events
        assert store.events_of_command("cmd-unknown") == ()

    def test_verify_names_a_tampered_row(self, store: Store) -> None:
        """With one payload altered behind the store's back, verification names its position."""
        for i in range(3):
            store.append(
                f"s-{i}", [note(str(i))], expected_version=NO_STREAM, actor="x", agency="a"
            )
        assert store.verify_chain().verified == 3
        self.tamper(store, 2, '{"amount": "0", "text": "forged"}')
        check = store.verify_chain()
        assert (check.verified, check.broken_at) == (1, 2)

    def test_as_of_reads_the_log_as_known_then(self, store: Store) -> None:
        """Reading with a recorded-until moment omits what was recorded later."""
        store.append("s-1", [note("early")], expected_version=NO_STREAM, actor="x", agency="a")
        moment = store.read_stream("s-1")[0].recorded_at
        store.append("s-1", [note("late")], expected_version=1, actor="x", agency="a")
        then = [e.data["text"] for e in store.read_all(recorded_until=moment)]
        assert then == ["early"]
        assert len(list(store.read_all())) == 2

    def test_read_all_pages_and_filters(self, store: Store) -> None:
        """Reading from a position pages through the log and can filter by type."""
        events = [note(str(i)) for i in range(25)]
        store.append("s-1", events, expected_version=NO_STREAM, actor="x", agency="a")
        got = [e.position for e in store.read_all(10, batch=4)]
        assert got == list(range(11, 26))
        assert list(store.read_all(types=["other.type"])) == []
        assert len(list(store.read_all(types=["test.noted"]))) == 25
        assert list(store.read_all(exclude_types=["test.noted"])) == []
        assert store.last_position() == 25
        assert store.stream_version("s-1") == 25
        assert store.stream_ids("s-") == ["s-1"]
        assert store.stream_ids("s_") == []

    def test_stream_ids_by_prefix_exactly(self, store: Store) -> None:
        """A prefix finds exactly the streams that start with it, case and wildcards taken
        literally, in code-point order, whatever the database's collation."""
        names = ["year-a-2021", "year-a-2022", "year-A-2023", "year-ab-1", "year-a_1",
                 "year-a%1", "year-a-年", "year-a", "year-b-2021", "yeas-a-1"]  # fmt: skip
        for name in names:
            store.append(name, [note(name)], expected_version=NO_STREAM, actor="x", agency="a")
        for prefix in ("year-a-", "year-a", "year-a_", "year-a%", "year-", "", "yeaz"):
            expected = sorted(n for n in names if n.startswith(prefix))
            assert store.stream_ids(prefix) == expected, prefix

    def test_an_append_expecting_a_count_of_streams_checks_it_under_its_lock(
        self, store: Store
    ) -> None:
        """Inside ``expecting``, an append is refused like a stale version when the streams
        named a prefix and digits are not as many as expected (one was added since they
        were read), and writes nothing; others (not digits after the prefix, another
        prefix) do not count, and a replayed command id is answered, not refused."""
        for name in ["year-a-2020", "year-a-b-2021", "year-a-", "year-ab-2021", "year-a-20x"]:
            store.append(name, [note(name)], expected_version=NO_STREAM, actor="x", agency="a")
        read = [StreamCount("year-a-", 1), StreamCount("year-b-", 0)]
        with store.expecting(lambda: read):
            store.append("s-1", [note("a")], expected_version=NO_STREAM, actor="x", agency="a",
                         command_id="c-1")  # fmt: skip
        store.append("year-a-2021", [note("closed")], expected_version=NO_STREAM, actor="y",
                     agency="a")  # fmt: skip
        before = count(store)
        with store.expecting(lambda: read), pytest.raises(ConcurrencyError) as caught:
            store.append("s-1", [note("b")], expected_version=1, actor="x", agency="a")
        assert "year-a-" in str(caught.value)
        assert count(store) == before
        with store.expecting(lambda: read):  # the same command again: its first result
            again = store.append("s-1", [note("a")], expected_version=NO_STREAM, actor="x",
                                 agency="a", command_id="c-1")  # fmt: skip
        assert again.replayed
        read[0] = StreamCount("year-a-", 2)  # read afresh: the append goes in
        with store.expecting(lambda: read):
            store.append("s-1", [note("b")], expected_version=1, actor="x", agency="a")
        store.append("s-1", [note("c")], expected_version=2, actor="x", agency="a")  # outside
        assert store.stream_version("s-1") == 3

    def test_any_appends_after_the_last(self, store: Store) -> None:
        """ANY appends to an office-wide stream whatever its version."""
        store.append("office", [note("a")], expected_version=ANY, actor="x", agency="a")
        store.append("office", [note("b")], expected_version=ANY, actor="x", agency="a")
        assert [e.version for e in store.read_stream("office")] == [1, 2]

    def test_concurrent_appends_keep_positions_gapless(self, store: Store) -> None:
        """Threads appending at once each get whole, consecutive positions and a sound chain."""

        def work(n: int) -> None:
            for i in range(10):
                store.append(f"t-{n}", [note(str(i))], expected_version=i, actor="x", agency="a")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [e.position for e in store.read_all()] == list(range(1, 41))
        assert store.verify_chain() == ChainCheck(40, None, None)

    def test_new_applicant_is_stored_with_the_events(self, store: Store) -> None:
        """A new applicant's data is stored by the append, found again, and erasable."""
        new = NewApplicant("ref-1", LI)
        store.append(
            "s-1", [note("a")], expected_version=NO_STREAM, actor="x", agency="a", applicant=new
        )
        assert store.applicants.find_ref(Applicant(id_number=LI.id_number)) == "ref-1"
        assert store.applicants.find_ref(Applicant(name=LI.name, phone=LI.phone)) == "ref-1"
        assert store.applicants.find_ref(Applicant(name=LI.name)) is None
        assert (store.applicants.read("ref-1") or {})["name"] == "李华"
        assert store.applicants.erase("ref-1")
        assert not store.applicants.erase("ref-1")
        erased = store.applicants.read("ref-1") or {}
        assert erased["name"] is None
        assert erased["erased_at"] is not None
        assert store.applicants.find_ref(LI) is None

    def test_applicants_are_searched_by_name_phone_and_id_suffix(self, store: Store) -> None:
        """search matches a name part (any case), phone digits without spaces or dashes and
        the last 4-6 characters of an id number, takes % and _ literally, and finds nobody erased."""
        people = {
            "ref-1": LI,
            "ref-2": Applicant(
                name="Anna SMITH", id_number="11010119900101123X", phone="138-0013 8000"
            ),
            "ref-3": Applicant(name="100% Design Co."),
        }
        for n, (ref, who) in enumerate(people.items()):
            new = NewApplicant(ref, who)
            store.append(f"s-{n}", [note("a")], expected_version=NO_STREAM, actor="x",
                         agency="a", applicant=new)  # fmt: skip
        search = store.applicants.search
        assert search("李") == {"ref-1"}
        assert search("smith") == search("anna s") == {"ref-2"}
        assert search("13800138000") == search("138 0013-8") == {"ref-2"}
        assert search("0000") == {"ref-1"}
        assert search("138") == set()  # too few digits to be a phone number
        assert search("1234") == search("011234") == {"ref-1"}
        assert search("123x") == search("01123X") == {"ref-2"}
        assert search("0101123X") == search("9001") == set()  # not the end, or too long
        assert search("%") == {"ref-3"}
        assert search("_") == search("") == search("  ") == set()
        assert store.applicants.erase("ref-1")
        assert search("李") == search("1234") == search("0000") == set()
        assert search("N") == {"ref-2", "ref-3"}

    def test_refused_append_stores_no_applicant(self, store: Store) -> None:
        """When the events are refused, the applicant's data is not stored either."""
        store.append("s-1", [note("a")], expected_version=NO_STREAM, actor="x", agency="a")
        with pytest.raises(ConcurrencyError):
            store.append(
                "s-1",
                [note("b")],
                expected_version=NO_STREAM,
                actor="x",
                agency="a",
                applicant=NewApplicant("ref-2", LI),
            )
        assert store.applicants.read("ref-2") is None
        assert store.applicants.find_ref(LI) is None

    def test_free_text_is_kept_apart_from_the_events_and_erasable(self, store: Store) -> None:
        """A subject and an approver leave the payloads as references, written with them;
        readers open them; erasing the request's texts leaves other requests' alone."""
        received = ev.RequestReceived(request_id="R1", channel="fax", applicant="other",
                                      received_on=DAY, submitted_on=DAY, subject="李华的档案")  # fmt: skip
        extended = ev.ExtensionGranted(days=5, approver="王主任")
        store.append(ev.stream_of("R1"), [NewEvent(received, DAY), NewEvent(extended, DAY)],
                     expected_version=NO_STREAM, actor="x", agency="a")  # fmt: skip
        other = received.model_copy(update={"request_id": "R2", "subject": "另一件"})
        store.append(ev.stream_of("R2"), [NewEvent(other, DAY)], expected_version=NO_STREAM,
                     actor="x", agency="a")  # fmt: skip
        first, second = (e.data for e in store.read_stream(ev.stream_of("R1")))
        assert "subject" not in first
        assert "approver" not in second
        assert "李华" not in codec.dumps([first, second])
        refs = [first["subject_ref"], second["approver_ref"]]
        assert store.texts.open(refs) == {refs[0]: "李华的档案", refs[1]: "王主任"}
        assert Resolver(store.texts).fill(f"consultation with {mark(refs[1])}") == (
            "consultation with 王主任"
        )
        assert store.texts.erase(ev.stream_of("R1")) == 2
        assert store.texts.open(refs) == dict.fromkeys(refs)
        assert Resolver(store.texts).data(first)["subject"] == "[erased]"
        (kept,) = (e.data for e in store.read_stream(ev.stream_of("R2")))
        assert store.texts.open([kept["subject_ref"]]) == {kept["subject_ref"]: "另一件"}
        assert store.verify_chain().broken_at is None

    def test_refused_append_stores_no_text(self, store: Store) -> None:
        """When the events are refused, their texts are not stored either."""
        deferred = ev.DeadlineDeferred(until=DAY, reason="李华提交了三百项")
        store.append(ev.stream_of("R1"), [NewEvent(deferred, DAY)], expected_version=NO_STREAM,
                     actor="x", agency="a")  # fmt: skip
        with pytest.raises(ConcurrencyError):
            store.append(ev.stream_of("R1"), [NewEvent(deferred, DAY)],
                         expected_version=NO_STREAM, actor="x", agency="a")  # fmt: skip
        assert store.texts.erase(ev.stream_of("R1")) == 1

    def test_old_payload_is_upcast_on_read(self, store: Store) -> None:
        """A payload stored as version 1 is read back in the shape of version 2."""

        class Greeted(Event):
            type = "test.greeted"
            name: str

        class GreetedV2(Event):
            type = "test.greeted"
            version = 2
            given_name: str
            family_name: str

        def v1_to_v2(data: dict[str, object]) -> dict[str, object]:
            given, _, family = str(data["name"]).partition(" ")
            return {"given_name": given, "family_name": family}

        register(Greeted, replace=True)
        store.append(
            "g",
            [NewEvent(Greeted(name="Li Hua"), DAY)],
            expected_version=NO_STREAM,
            actor="x",
            agency="a",
        )
        register(GreetedV2, replace=True)
        register_upcaster("test.greeted", 1, v1_to_v2)
        stored = store.read_stream("g")[0]
        assert stored.schema_version == 1
        assert stored.data == {"given_name": "Li", "family_name": "Hua"}
        assert stored.event() == GreetedV2(given_name="Li", family_name="Hua")
        assert store.verify_chain().broken_at is None

    def test_bad_payloads_are_refused_in_one_line(self) -> None:
        """An unknown type or an invalid payload is refused with one line naming it."""
        with pytest.raises(InvalidInput, match="'nope' is unknown"):
            parse_event("nope", {})
        with pytest.raises(InvalidInput, match="field 'text'") as caught:
            parse_event("test.noted", {"text": 5})
        assert "\n" not in str(caught.value)
