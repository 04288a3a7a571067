"""ledger: an event-sourced workflow engine for government information-disclosure requests."""

__version__ = "0.1.0"
