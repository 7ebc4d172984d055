"""Kiosk: touch page assets and the ESC/POS printing agent (issue 3)."""
