"""Pure domain rules: no I/O, time passed in."""
