"""/my says how many were sent and received and lists them in words; the buttons below open
them."""

from __future__ import annotations

from tests.bot.flows import send
from tests.support import started
from tests.telegram import People, Person


def test_my_counts_and_lists_what_was_sent_and_received(
    alice: Person, bob: Person, people: People
) -> None:
    started(bob)
    send(alice, bob)
    bob.accepts_request()
    alice.wait_for_message("was delivered")
    send(alice, people("Carol"))

    mine = alice.command("my")[-1].content or ""
    theirs = bob.command("my")[-1].content or ""

    assert "📤 Sent: 2" in mine
    assert "• to Bob — 📬 delivered" in mine
    assert "• to Carol — ⏳ waiting" in mine
    assert "📥 Received: 0" in mine
    assert "📥 Received: 1" in theirs
    assert "— 📬 delivered" in theirs
    assert "Alice" not in theirs  # an anonymous sender stays unnamed


def test_an_empty_my_says_what_to_do(alice: Person) -> None:
    listing = alice.command("my")[-1]

    assert "📤 Sent: 0" in (listing.content or "")
    assert "/new" in (listing.content or "")
    assert "None has come for you yet" in (listing.content or "")


def test_the_count_covers_every_page(alice: Person, people: People) -> None:
    for n in range(7):
        send(alice, people(f"R{n}"))

    listing = alice.command("my")[-1]

    assert "📤 Sent: 7" in (listing.content or "")
    assert alice.button("More sent", on=listing)
