"""The web pages (kiosk, TV display, counter, rating, mobile ticket, manager): static files
served by the server itself, no build step and no CDN."""
