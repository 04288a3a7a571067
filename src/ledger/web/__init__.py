"""The web pages (``ledger serve``): the same books and use cases as the CLI, behind a
sign-in, in the same languages (docs/web.md)."""

from __future__ import annotations

from ledger.web.app import create_app, serve, serve_workers

__all__ = ["create_app", "serve", "serve_workers"]
