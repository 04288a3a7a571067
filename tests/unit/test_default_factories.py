"""No model of ours takes a builtin with a text signature as a default factory.

pydantic inspects a default factory's signature when it builds the model; for ``list`` or
``tuple`` that means parsing ``(iterable=(), /)`` with the tokenizer, whose regex costs a
desk command ~10 ms to compile (``ledger.events.fields.empty_list`` instead).
"""

from __future__ import annotations

from pydantic import BaseModel

import ledger.config
import ledger.events
import ledger.notifiers  # the notifier tables

ledger.events.known_types()  # every module of event types


def _models(base: type[BaseModel]) -> list[type[BaseModel]]:
    found, todo = [], [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return [m for m in found if m.__module__.startswith("ledger.")]


def test_no_default_factory_is_parsed_by_the_tokenizer() -> None:
    """Every field of every ledger model: its default factory has a Python signature."""
    assert ledger.config.Config in _models(BaseModel)
    assert any(m.__module__.startswith("ledger.events.") for m in _models(BaseModel))
    offending = [
        f"{model.__module__}.{model.__name__}.{name}"
        for model in _models(BaseModel)
        for name, info in model.model_fields.items()
        if getattr(info.default_factory, "__text_signature__", None) is not None
    ]
    assert offending == []
