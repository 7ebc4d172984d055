"""The clerk's desk behind the terminal client: keys → actions on the SDK, events → the view.

No terminal I/O here: `Desk.key()` takes one key, `Desk.view` is what the screen shows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from counter_client.client import AsyncClient
from counter_client.errors import ApiError, Conflict, CounterNotOpen, InvalidTransition, Unreachable
from counter_client.screen import View
from counter_client.texts import KEYS, Lang, text
from server import protocol as p

log = logging.getLogger("hallq.counter")
ESC, ENTER, BACKSPACE = "\x1b", ("\r", "\n"), ("\x7f", "\x08")
POSITIONS: dict[str, p.QueuePosition] = {"1": "original", "2": "front", "3": "back"}


@dataclass
class Prompt:
    question: str
    answer: Callable[[str], Awaitable[None]]
    single_key: bool = False
    typed: str = ""


class Desk:
    def __init__(
        self,
        client: AsyncClient,
        lang: Lang,
        counter: p.Counter,
        clerk: str,
        branch: str,
        services: list[p.Service],
        counters: list[p.Counter],
    ) -> None:
        self.client = client
        self.lang = lang
        self.counter = counter
        self.services = {s.id: s for s in services}
        self.counter_numbers = {c.id: c.number for c in counters}
        self.view = View(lang, counter.number, clerk, branch, counter.state, counter.pause_reason)
        self.prompt: Prompt | None = None
        self.quit = False
        self.changed = asyncio.Event()
        self.last_no_show: p.Ticket | None = None
        self.last_called_elsewhere: tuple[str, int] | None = None  # (number, counter number)
        self.answers = 0  # action answers applied: a refresh read before one is older than it

    # ---- words ---------------------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        return text(self.lang, key, **values)

    def service_name(self, service_id: int) -> str:
        service = self.services.get(service_id)
        if service is None:
            return ""
        return service.name.get(self.lang) or next(iter(service.name.values()), service.code)

    def say(self, message: str) -> None:
        self.view.message = message
        self.changed.set()

    # ---- keys ----------------------------------------------------------------------------

    async def key(self, ch: str) -> None:
        if self.prompt is not None:
            await self._prompt_key(ch)
        elif ch.lower() in KEYS:
            await self.act(KEYS[ch.lower()])
        self.changed.set()

    async def _prompt_key(self, ch: str) -> None:
        prompt = self.prompt
        assert prompt is not None
        if ch == ESC:
            self.prompt, self.view.prompt = None, None
            return
        if ch in BACKSPACE:
            prompt.typed = prompt.typed[:-1]
        elif ch in ENTER or prompt.single_key:
            if prompt.single_key and ch not in ENTER:
                prompt.typed = ch
            self.prompt, self.view.prompt = None, None
            await self._guard(prompt.answer(prompt.typed.strip()))
            return
        elif ch.isprintable():
            prompt.typed += ch
        self.view.prompt = prompt.question + prompt.typed

    def ask(self, question: str, answer: Callable[[str], Awaitable[None]],
            single_key: bool = False) -> None:  # fmt: skip
        self.prompt = Prompt(question, answer, single_key)
        self.view.prompt = question

    async def act(self, action: str) -> None:
        handler: Callable[[], Awaitable[None]] = getattr(self, f"_do_{action}")
        await self._guard(handler())

    async def _guard(self, work: Awaitable[None]) -> None:
        """Run an action; API errors become a sentence on the message line."""
        try:
            await work
        except Unreachable:
            self.say(self.t("unreachable"))
        except CounterNotOpen:
            self.say(self.t("not_open"))
        except Conflict as exc:
            hand = self.view.hand
            if isinstance(exc, InvalidTransition) or hand is None:
                self.say(exc.detail)
            else:
                self.say(self.t("handover", number=hand.number))
        except ApiError as exc:
            self.say(exc.detail)

    # ---- actions -------------------------------------------------------------------------

    def _took(self, action: str, result: p.CounterActionResult) -> None:
        self._apply_counter(result.counter)
        ticket = result.ticket
        in_hand = ticket is not None and ticket.state in ("called", "serving")
        self._set_hand(ticket if in_hand else None)
        if ticket is not None and ticket.state == "no_show":
            self.last_no_show = ticket
        self.say(self.t(f"done.{action}", number=ticket.number if ticket else ""))

    async def _do_call_next(self) -> None:
        waiting_before = self.view.waiting
        result = await self.client.call_next(self.counter.id)
        if result.ticket is None:
            self._apply_counter(result.counter)
            taken = self.last_called_elsewhere
            if waiting_before and taken is not None:
                self.say(self.t("taken", number=taken[0], counter=taken[1]))
            else:
                self.say(self.t("nobody"))
            return
        self._took("call_next", result)

    async def _in_hand(self, action: str) -> None:
        if self.view.hand is None:
            self.say(self.t("no_hand"))
            return
        method = getattr(self.client, action)
        self._took(action, await method(self.counter.id))

    async def _do_recall(self) -> None:
        await self._in_hand("recall")

    async def _do_start(self) -> None:
        await self._in_hand("start")

    async def _do_complete(self) -> None:
        await self._in_hand("complete")

    async def _do_no_show(self) -> None:
        await self._in_hand("no_show")

    async def _do_park(self) -> None:
        await self._in_hand("park")

    async def _do_open(self) -> None:
        self._took("open", await self.client.open_counter(self.counter.id))

    async def _do_close(self) -> None:
        self._took("close", await self.client.close_counter(self.counter.id))

    async def _do_pause(self) -> None:
        async def answer(key: str) -> None:
            if key in ("1", "2", "3", "4"):
                reason = self.t(f"reason.{key}")
                self._took("pause", await self.client.pause_counter(self.counter.id, reason))

        self.ask(self.t("reasons"), answer, single_key=True)

    async def _do_transfer(self) -> None:
        if self.view.hand is None:
            self.say(self.t("no_hand"))
            return
        prefixes = "/".join(s.prefix for s in self.services.values() if s.active)

        async def target(answer: str) -> None:
            by_prefix = {s.prefix: s.id for s in self.services.values() if s.active}
            by_number = {n: i for i, n in self.counter_numbers.items() if i != self.counter.id}
            number = answer.lstrip("#")
            service_id = by_prefix.get(answer.upper())
            to_counter = by_number.get(int(number)) if number.isdigit() else None
            if service_id is None and to_counter is None:
                self.say(self.t("unknown_target", target=answer))
                return

            async def position(key: str) -> None:
                at = POSITIONS.get(key, "original")
                result = await self.client.transfer(
                    self.counter.id, service_id=service_id, to_counter_id=to_counter, position=at
                )
                self._took("transfer", result)

            self.ask(self.t("ask.position"), position, single_key=True)

        self.ask(self.t("ask.target", services=prefixes), target)

    async def _find(self, number: str, state: p.TicketStateName) -> p.Ticket | None:
        found = await self.client.tickets(branch_id=self.counter.branch_id, state=state)
        matching = [t for t in found if t.number.upper() == number.upper()]
        return max(matching, key=lambda t: t.id) if matching else None

    async def _do_call(self) -> None:
        async def answer(number: str) -> None:
            ticket = await self._find(number, "waiting")
            if ticket is None:
                await self._explain_missing(number)
                return
            try:
                self._took("call", await self.client.call(self.counter.id, ticket.id))
            except InvalidTransition:
                await self._explain_missing(number, ticket.id)

        self.ask(self.t("ask.number"), answer)

    async def _explain_missing(self, number: str, ticket_id: int | None = None) -> None:
        """A ticket that is not waiting: say who has it, if a counter does."""
        ticket = await self.client.ticket(ticket_id) if ticket_id else None
        if ticket is None:
            ticket = await self._find(number, "called") or await self._find(number, "serving")
        if ticket is not None and ticket.counter_id and ticket.counter_id != self.counter.id:
            counter = self.counter_numbers.get(ticket.counter_id, ticket.counter_id)
            self.say(self.t("taken", number=ticket.number, counter=counter))
        else:
            self.say(self.t("unknown_number", number=number))

    async def _do_resume(self) -> None:
        found = await self.client.tickets(branch_id=self.counter.branch_id, state="parked")
        mine = {t.number.upper(): t for t in found if t.counter_id == self.counter.id}
        if not mine:
            self.say(self.t("no_parked"))
            return

        async def answer(number: str) -> None:
            ticket = mine.get(number.upper())
            if ticket is None:
                self.say(self.t("unknown_number", number=number))
                return
            self._took("resume", await self.client.resume(self.counter.id, ticket.id))

        if len(mine) == 1:
            await answer(next(iter(mine)))
        else:
            self.ask(self.t("ask.parked") + f"({' '.join(mine)}) ", answer)

    async def _do_requeue(self) -> None:
        default = self.last_no_show

        async def answer(number: str) -> None:
            ticket = default if not number and default else await self._find(number, "no_show")
            if ticket is None:
                self.say(self.t("unknown_number", number=number))
                return
            requeued = await self.client.requeue(ticket.id)
            self.say(self.t("done.requeue", number=requeued.number))

        shown = default.number if default else "-"
        self.ask(self.t("ask.requeue", default=shown), answer)

    async def _do_quit(self) -> None:
        if self.view.hand is not None:
            self.say(self.t("handover", number=self.view.hand.number))
            return
        self.quit = True

    # ---- state from the server -----------------------------------------------------------

    def _apply_counter(self, counter: p.Counter) -> None:
        self.answers += 1
        self.counter = counter
        self.view.state, self.view.pause_reason = counter.state, counter.pause_reason

    def _set_hand(self, ticket: p.Ticket | None) -> None:
        self.view.hand = ticket
        self.view.hand_service = self.service_name(ticket.service_id) if ticket else ""

    async def refresh(self) -> None:
        """Re-read the queue (waiting count), my counter, the ticket in hand, my parked ones.

        An action answered while this read was on its way is newer than what it read: the
        counter's state and the ticket in hand are then left as the answer set them (the
        action's own events bring another refresh)."""
        answers = self.answers
        queue = await self.client.queue(self.counter.branch_id)
        mine = set(self.counter.service_ids)
        self.view.waiting = sum(s.waiting for s in queue.services if s.id in mine)
        me = next((c for c in queue.counters if c.id == self.counter.id), None)
        if me is not None and self.answers == answers:
            self.view.state, self.view.pause_reason = me.state, me.pause_reason
            held = me.ticket.id if me.ticket else None
            hand = self.view.hand
            if held is None:
                self._set_hand(None)
            elif hand is None or hand.id != held or hand.state != me.ticket.state:  # type: ignore[union-attr]
                ticket = await self.client.ticket(held)
                if self.answers == answers:
                    self._set_hand(ticket)
        parked = await self.client.tickets(branch_id=self.counter.branch_id, state="parked")
        self.view.parked = [t.number for t in parked if t.counter_id == self.counter.id]
        self.changed.set()

    def on_event(self, event: p.Event) -> None:
        """Note who called what elsewhere (to explain a lost race)."""
        if event.type == "ticket.called":
            counter = event.data.get("counter") or {}
            if counter.get("id") != self.counter.id:
                self.last_called_elsewhere = (
                    str(event.data.get("number")),
                    counter.get("number", 0),
                )
        elif event.type == "config.updated":
            log.info("configuration changed: %s", event.data)
