"""The Counter aggregate: a desk's state (closed, open, paused), its clerk and the ticket in hand.

Pure, like the Ticket aggregate: each method checks what the desk may do now, sets the fields,
and records `CounterUpdated`; the counters' repository copies the fields back to the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.core.errors import Conflict, CounterNotOpen
from server.halls.events import CounterUpdated
from server.tickets.selection import in_priority_lane


@dataclass
class Counter:
    id: int
    branch_id: int
    number: int
    state: str = "closed"  # closed | open | paused
    pause_reason: str | None = None
    clerk_id: int | None = None
    ticket_id: int | None = None
    priority_interleave: int | None = None
    normals_since_priority: int = 0
    events: list[CounterUpdated] = field(default_factory=list, repr=False, compare=False)

    def _updated(self) -> None:
        self.events.append(CounterUpdated(self.id, self.branch_id))

    def check_operator(self, user_id: int | None) -> None:
        """A clerk may not act at a desk another clerk is staffing."""
        if self.clerk_id is not None and self.clerk_id != user_id:
            raise Conflict(f"counter {self.number} is staffed by another clerk")

    def require_open(self) -> None:
        if self.state != "open":
            raise CounterNotOpen(f"counter {self.number} is {self.state}; open it first")

    def open(self, clerk_id: int | None) -> None:
        """Open (or take over) the desk for `clerk_id`."""
        if self.clerk_id not in (None, clerk_id) and self.ticket_id is not None:
            raise Conflict(
                f"counter {self.number} still has a ticket in hand of the previous clerk"
            )
        self.state, self.pause_reason, self.clerk_id = "open", None, clerk_id
        self._updated()

    def pause(self, reason: str | None) -> None:
        if self.state == "closed":
            raise CounterNotOpen(f"counter {self.number} is closed; open it first")
        if self.ticket_id is not None:
            raise Conflict(f"counter {self.number} has a ticket in hand: finish it before pausing")
        self.state, self.pause_reason = "paused", reason or None
        self._updated()

    def close(self) -> None:
        if self.ticket_id is not None:
            raise Conflict(
                f"counter {self.number} has a ticket in hand: complete, transfer or park it first"
            )
        self.state, self.pause_reason, self.clerk_id = "closed", None, None
        self._updated()

    def interleave(self, branch_default: int) -> int:
        """Priority tickets per N normal ones at this desk (its own setting, else the hall's)."""
        return branch_default if self.priority_interleave is None else self.priority_interleave

    def take(self, ticket_id: int, *, priority: str | None = None) -> None:
        """Hold `ticket_id` in hand. `priority`: the class of a ticket called from the queue,
        which moves the interleave rhythm (a resumed ticket does not)."""
        self.ticket_id = ticket_id
        if priority is not None:
            normal = not in_priority_lane(priority)
            self.normals_since_priority = self.normals_since_priority + 1 if normal else 0
        self._updated()

    def release(self) -> None:
        """The ticket in hand left the desk (done, no-show, transferred, parked, cancelled)."""
        self.ticket_id = None
        self._updated()

    def pull_events(self) -> list[CounterUpdated]:
        events, self.events = self.events, []
        return events
