"""The parts every table of the configuration file is built from.

Each table is a ``Settings`` model: unknown keys are refused (a typo must not silently do
nothing), and every key is declared with :func:`key`, which records what the key means and
what values it allows. Those two texts serve twice: ``docs/configuration.md`` is generated
from them (``ledger.config_doc``), and :func:`refusal` turns any validation error into the
one line a person needs: the key's dotted path, the value, and what is allowed.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo

__all__ = ["KeyProblem", "Settings", "allowed_text", "key", "refusal"]

_PLAIN_NAME = re.compile(r"^[\w.-]{1,64}$")  # a name that keeps the message one line


class Settings(BaseModel):
    """A table of the configuration file: known keys only, read-only once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class KeyProblem(ValueError):
    """A refusal found by a check across keys, naming the key it is about.

    ``path`` is relative to the table whose validator raised it (e.g. ``("user",)``).
    """

    def __init__(self, path: Sequence[str | int], problem: str) -> None:
        super().__init__(problem)
        self.path = tuple(path)
        self.problem = problem


def key(default: Any = ..., *, description: str, allowed: str, **kwargs: Any) -> Any:
    """Declare a key: its default, what it means, and what values it allows."""
    extra: JsonDict = {"allowed": allowed}
    return Field(default, description=description, json_schema_extra=extra, **kwargs)


def allowed_text(info: FieldInfo) -> str:
    """What a key allows, as declared with :func:`key`."""
    extra = info.json_schema_extra
    return str(extra.get("allowed", "")) if isinstance(extra, dict) else ""


def refusal(error: ValidationError, model: type[BaseModel], raw: Mapping[str, Any]) -> str:
    """The first validation error as ``dotted.key: problem`` (one line, no traceback)."""
    first = error.errors(include_url=False)[0]
    path, tables = _walk(model, tuple(first["loc"]))
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, KeyProblem):
        return f"{_dotted((*path, *cause.path), raw)}: {cause.problem}"
    if first["type"].startswith("union_tag"):
        kinds = " or ".join(_tags(_union_members(_unwrap(tables[-1]))))
        return f"{_dotted((*path, 'type'), raw)}: {_tag_problem(first, kinds)}"
    while len(tables) > 2 and not _is_model(tables[-1]) and not _is_model(tables[-2]):
        path, tables = path[:-1], tables[:-1]  # a value in a list or a table: name that
    table = tables[-2] if len(tables) > 1 else None
    return f"{_dotted(path, raw)}: {_problem(first, table, path)}"


def _tag_problem(first: Any, kinds: str) -> str:
    """A table's ``type`` (which says which kind of table it is) missing or unknown."""
    if first["type"] == "union_tag_not_found":
        return f"missing; use {kinds}"
    return f"{(first.get('ctx') or {}).get('tag')!r} is not allowed; use {kinds}"


def _problem(first: Any, table: Any, path: tuple[str | int, ...]) -> str:
    """The problem with one key, in words: missing, unknown, or not allowed."""
    kind, value = first["type"], first["input"]
    is_model = _is_model(table)
    if kind == "missing":
        return "missing; it is required"
    if kind == "extra_forbidden":
        return f"unknown key; allowed: {', '.join(table.model_fields) if is_model else ''}"
    info = table.model_fields.get(str(path[-1])) if is_model and path else None
    allowed = allowed_text(info) if info else "a table"
    if isinstance(value, dict):  # never echo a table: it may hold a secret
        return f"a table is not allowed; use {allowed}"
    return f"{value!r} is not allowed; use {allowed}"


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[tuple[str | int, ...], list[Any]]:
    """The location without pydantic's union tags, and the annotation at each step.

    ``tables[i]`` is what ``path[:i]`` holds (``tables[0]`` is ``model``), so the
    table declaring a key is the entry before it.
    """
    path: list[str | int] = []
    tables: list[Any] = [model]
    for part in loc:
        here = _unwrap(tables[-1])
        members = _tags(_union_members(here))
        if isinstance(part, str) and part in members:
            tables[-1] = members[part]
            continue
        path.append(part)
        tables.append(_unwrap(_step(here, part)))
    return tuple(path), tables


def _dotted(path: tuple[str | int, ...], raw: Mapping[str, Any]) -> str:
    """``agencies.zjj.level``; a list item by its ``name`` if it is a plain one, else ``#n``."""
    words: list[str] = []
    node: Any = raw
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            plain = isinstance(name, str) and _PLAIN_NAME.match(name) is not None
            words.append(str(name) if plain else f"#{part + 1}")
            node = item
        else:
            words.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(words)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one step down: a model's field, a dict's value, a list's item."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(str(part))
        return info.annotation if info else None
    args = get_args(annotation)
    if get_origin(annotation) is dict and len(args) == 2:
        return args[1]
    if get_origin(annotation) in (list, tuple) and args:
        return args[0]
    return None


def _unwrap(annotation: Any) -> Any:
    """Drop ``Annotated`` and ``| None``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return _unwrap(rest[0])
    return annotation


def _union_members(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(_unwrap(a) for a in get_args(annotation))
    return ()


def _tags(members: tuple[Any, ...]) -> dict[str, Any]:
    """A discriminated union's members by their ``type`` literal."""
    found: dict[str, Any] = {}
    for member in members:
        info = getattr(member, "model_fields", {}).get("type")
        for tag in get_args(info.annotation) if info else ():
            found[str(tag)] = member
    return found
