"""Complaints (投诉受理) with deadlines, and the follow-up ledger (回访台账)."""
