"""One way to call a component, `Component(name, args, opts=None)`, and the older call forms
mapped onto it.

Each component declares its args class and a function with its old signature that builds
the args from an old call; a call in neither form raises a TypeError that shows the new one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar

import pulumi
from pydantic import BaseModel, ConfigDict, ValidationError, ValidatorFunctionWrapHandler

from components.config.errors import ComponentArgumentError, component_error, error_lines

A = TypeVar("A", bound=BaseModel)

ARGS_CONFIG = ConfigDict(arbitrary_types_allowed=True)
"""Args classes hold other components (hosts, pools, templates): checked by isinstance."""

OldForm = Callable[..., tuple[A, pulumi.ResourceOptions | None]]
"""A component's old signature, returning its args and options."""


def new_form(component: str, args_type: type[BaseModel]) -> str:
    """The form to show in errors: `VirtualMachine(name, VirtualMachineArgs(...), opts=None)`."""
    return f"{component}(name, {args_type.__name__}(...), opts=None)"


_BUILDING: ContextVar[tuple[str, str] | None] = ContextVar("building", default=None)
"""The component (kind, name) whose args are being built from an old call form."""


def validated(component: str, name: str, args_type: type[A], fields: Mapping[str, Any]) -> A:
    """`args_type` from keyword fields; a refusal names the component, its name, the
    argument and the value."""
    token = _BUILDING.set((component, name))
    try:
        return args_type(**fields)
    finally:
        _BUILDING.reset(token)


def call_form(
    component: str,
    name: str,
    args_type: type[A],
    old_form: OldForm[A],
    *,
    positional: tuple[Any, ...],
    keywords: dict[str, Any],
) -> tuple[A, pulumi.ResourceOptions | None]:
    """The args and options of a call: the new form as it is, an old form through
    `old_form`; anything else a TypeError showing the new form."""
    if not isinstance(name, str):
        raise TypeError(
            f"{component}: name must be a str, got {name!r}; use {new_form(component, args_type)}"
        )
    bound = _new(args_type, positional, keywords)
    if bound is not None:
        return bound
    try:
        inspect.signature(old_form).bind(name, *positional, **keywords)
        return old_form(name, *positional, **keywords)
    except TypeError as err:
        raise TypeError(
            f"{component}({name!r}, …): {err}; the form is {new_form(component, args_type)}"
        ) from None


def _new(
    args_type: type[A], positional: tuple[Any, ...], keywords: dict[str, Any]
) -> tuple[A, pulumi.ResourceOptions | None] | None:
    """(args, opts) when the call is `(args)`, `(args, opts)` or those as keywords."""
    values = dict(zip(("args", "opts"), positional, strict=False))
    if len(positional) > 2 or set(values) & set(keywords) or set(keywords) - {"args", "opts"}:
        return None
    values.update(keywords)
    args, opts = values.get("args"), values.get("opts")
    if not isinstance(args, args_type):
        return None
    if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
        raise TypeError(f"opts: expected pulumi.ResourceOptions, got {opts!r}")
    return args, opts


class ArgsModel(BaseModel):
    """Base of the args classes: a refusal at construction is a ComponentArgumentError
    naming the args class, each argument and its value (as the stack config's errors do)."""

    secret: bool = False
    """Register the inputs of the component's resources as Pulumi secrets (what
    `pulumi config set --secret` on its stack-file section means)."""

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            building = _BUILDING.get()
            if building is not None:
                raise component_error(*building, err) from None
            lines = "; ".join(error_lines(err))
            raise ComponentArgumentError(f"{type(self).__name__}: {lines}") from None


def fields_of(model: BaseModel, *exclude: str) -> dict[str, Any]:
    """A settings model's field values as they are (nested models kept, nothing dumped), to
    build an args class from it."""
    if not isinstance(model, BaseModel):
        raise TypeError(f"expected a settings model, got {model!r}")
    return {k: getattr(model, k) for k in type(model).model_fields if k not in exclude}


def later_if_output(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """For an args field that may be an `Output` (`WrapValidator(later_if_output)`): an
    `Output` passes as it is and is checked inside `apply` by the component; anything else is
    checked now."""
    return value if isinstance(value, pulumi.Output) else handler(value)
