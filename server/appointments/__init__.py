"""Appointments (预约): slots, bookings, check-in at the kiosk, missed bookings (API.md)."""
