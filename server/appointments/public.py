"""What other pages of the hall ask about appointments (the public /hall page)."""

from __future__ import annotations

from server.halls.models import Service


def bookable(service: Service) -> bool:
    """Whether customers can book this service (it has places per slot and is offered)."""
    return service.appointment_capacity > 0 and service.active and not service.deleted
