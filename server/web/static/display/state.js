// The hall TV's state, folded from the snapshot and the events after it. The same rules as
// display/state.py (which the tests hold them to): see that module's docstring.
"use strict";

const TvState = (() => {
  const CALL_EVENTS = new Set(["ticket.called", "ticket.recalled"]);
  const LEAVES_COUNTER = new Set([
    "ticket.completed", "ticket.no_show", "ticket.parked", "ticket.transferred", "ticket.cancelled",
  ]);

  function empty(recentLimit = 8) {
    return { seq: 0, recentLimit, counters: new Map(), recent: [], services: new Map() };
  }

  function fromSnapshot(view, seq, recentLimit) {
    const state = empty(recentLimit);
    state.seq = seq;
    for (const c of view.counters || []) {
      state.counters.set(c.id, {
        id: c.id, number: c.number, name: c.name || "", state: c.state, pauseReason: c.pause_reason,
        ticketId: c.ticket ? c.ticket.id : null, ticketNumber: c.ticket ? c.ticket.number : null,
        serviceIds: c.service_ids || [],
      });
    }
    for (const s of view.services || []) {
      state.services.set(s.id, {
        id: s.id, prefix: s.prefix || s.code, name: s.name || {}, waiting: s.waiting,
        estimatedWaitS: s.estimated_wait_s, perPersonS: s.waiting > 0 && s.estimated_wait_s != null ? s.estimated_wait_s / s.waiting : null,
        open: s.open !== false, closedReason: s.closed_reason || null,
        targetWaitMin: s.target_wait_min ?? null, maxServiceMin: s.max_service_min ?? null,
      });
    }
    state.hoursToday = view.hours_today === undefined ? null : view.hours_today;
    state.opensAt = view.opens_at || null;
    // The snapshot lists call events (a recall too): keep each ticket's latest call only.
    const seen = new Set();
    state.recent = (view.recent_calls || []).filter((r) => !seen.has(r.ticket_id) && seen.add(r.ticket_id))
      .slice(0, recentLimit).map((r) => ({
        ticketId: r.ticket_id, number: r.number, counterNumber: r.counter_number,
        calledAt: r.called_at, calls: r.calls, seq: null,
      }));
    return state;
  }

  function withWaiting(state, serviceId, delta) {
    const s = state.services.get(serviceId);
    if (!s) return;
    s.waiting = Math.max(0, s.waiting + delta);
    if (s.perPersonS !== null) s.estimatedWaitS = Math.round(s.waiting * s.perPersonS);
    if (s.waiting === 0) s.estimatedWaitS = 0;
  }

  // Applies one stream message in place; returns the call it made ({number, counterNumber, …})
  // for ticket.called / ticket.recalled, else null.
  function apply(state, msg) {
    if (msg.type === "snapshot") {
      Object.assign(state, fromSnapshot(msg.data, msg.seq, state.recentLimit));
      return null;
    }
    if (msg.seq <= state.seq) return null;
    state.seq = msg.seq;
    const data = msg.data || {};
    if (msg.type === "counter.updated") {
      const old = state.counters.get(data.id);
      let number = null;
      if (data.ticket_id != null) {
        if (old && old.ticketId === data.ticket_id) number = old.ticketNumber;
        else {
          const call = state.recent.find((c) => c.ticketId === data.ticket_id);
          number = call ? call.number : null;
        }
      }
      state.counters.set(data.id, {
        id: data.id, number: data.number, name: data.name || "", state: data.state,
        pauseReason: data.pause_reason, ticketId: data.ticket_id ?? null, ticketNumber: number,
        serviceIds: data.service_ids || (old ? old.serviceIds : []),
      });
      return null;
    }
    if (!msg.type.startsWith("ticket.") || data.id == null) return null;
    // Every ticket event says the state it left (from_state) and the one it is in now.
    const waits = data.state === "waiting";
    const waited = data.from_state === "waiting";
    if (waits !== waited) withWaiting(state, data.service_id, waits ? +1 : -1);
    const s = state.services.get(data.service_id);
    if (waits && s && data.position && data.estimated_wait_s != null) {
      s.perPersonS = data.estimated_wait_s / data.position;
      s.estimatedWaitS = Math.round(s.waiting * s.perPersonS);
    }
    if (CALL_EVENTS.has(msg.type)) {
      const ref = data.counter || {};
      const call = {
        ticketId: data.id, number: data.number, counterNumber: ref.number, counterName: ref.name || "",
        calledAt: msg.ts, calls: data.calls || 1, seq: msg.seq, recall: msg.type === "ticket.recalled",
      };
      state.recent = [call, ...state.recent.filter((c) => c.ticketId !== data.id)].slice(0, state.recentLimit);
      if (ref.id != null) {
        const old = state.counters.get(ref.id);
        state.counters.set(ref.id, {
          id: ref.id, number: ref.number, name: ref.name || "", state: old ? old.state : "open",
          pauseReason: old ? old.pauseReason : null, ticketId: data.id, ticketNumber: data.number,
          serviceIds: old ? old.serviceIds : [],
        });
      }
      return call;
    }
    if (LEAVES_COUNTER.has(msg.type)) {
      for (const c of state.counters.values()) {
        if (c.ticketId === data.id) { c.ticketId = null; c.ticketNumber = null; }
      }
    }
    return null;
  }

  // Is a counter serving this service open? If not, nobody calls its tickets: no estimate.
  function served(state, serviceId) {
    return [...state.counters.values()].some((c) => c.state === "open" && c.serviceIds.includes(serviceId));
  }

  function currentCalls(state) {
    return [...state.counters.values()].filter((c) => c.state !== "closed").sort((a, b) => a.number - b.number);
  }

  return { empty, apply, currentCalls, served };
})();
