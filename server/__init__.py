"""hallq: queue-number and counter-calling server for service halls."""

__version__ = "0.1.0"
