"""Declarative binding between typed spec models and libvirt XML.

Each spec field that lives in XML is declared once, with its place in the document
(`Annotated[int, X("memory", unit="MiB")]`), and that one declaration drives both
directions: `to_xml()` to apply, `from_xml()` to read back (drift, adoption). This is the
virt-manager `XMLProperty` idea, typed with pydantic. Fields without an `X` marker are
lifecycle settings that libvirt keeps outside the XML (autostart, running state, …).

Paths are ElementTree paths relative to the model's element: `"memory"` (element text),
`"os/type/@machine"` (attribute), `"@type"` (attribute of the model's own element),
`"devices/disk"` (a nested model or a list of them). Declaration order is output order, so
generated XML is stable and golden files diff cleanly.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, ClassVar, Self, get_args, get_origin

from lxml import etree
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from components.spec.sizes import KIB, MIB, parse_size

# Namespaces we write, with the prefix they get in generated XML.
NAMESPACE_PREFIXES: dict[str, str] = {}


def register_namespace(uri: str, prefix: str) -> None:
    """Give elements of namespace `uri` a readable prefix in the XML we generate."""
    NAMESPACE_PREFIXES[uri] = prefix


@dataclass(frozen=True)
class X:
    """Where a field lives in the XML and how its value is spelled there."""

    path: str
    unit: str | None = None
    """Sizes: the field counts this unit (`MiB`, `KiB`, `bytes`); written as `unit='…'`."""
    read_unit: str = "b"
    """Sizes: the unit libvirt means when the element has no `unit` attribute."""
    true: str = "yes"
    false: str = "no"
    flag: bool = False
    """Booleans: true is the element's presence (`<acpi/>`), false its absence."""


_UNIT_FACTORS = {"b": 1, "bytes": 1, "KiB": KIB, "MiB": MIB}


def _split(path: str) -> tuple[list[str], str | None]:
    # Split on "/" outside "{namespace-uri}" (URIs contain slashes).
    steps: list[str] = []
    current, depth = "", 0
    for char in path:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "/" and depth == 0:
            steps.append(current)
            current = ""
        else:
            current += char
    steps = [s for s in [*steps, current] if s and s != "."]
    if steps and steps[-1].startswith("@"):
        return steps[:-1], steps[-1][1:]
    return steps, None


def _join(steps: list[str]) -> str:
    return "/".join(steps)


def _unwrap_optional(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, XmlModel)


def _list_item(annotation: Any) -> Any | None:
    if get_origin(annotation) in (list, tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return args[0] if args else None
    return None


def _make_child(parent: etree._Element, tag: str) -> etree._Element:
    if tag.startswith("{"):
        uri = tag[1 : tag.index("}")]
        prefix = NAMESPACE_PREFIXES.get(uri)
        return etree.SubElement(parent, tag, nsmap={prefix: uri} if prefix else None)
    return etree.SubElement(parent, tag)


def _find_or_make(parent: etree._Element, steps: list[str]) -> etree._Element:
    node = parent
    for step in steps:
        found = node.find(step)
        node = found if found is not None else _make_child(node, step)
    return node


def _make_path(parent: etree._Element, steps: list[str]) -> etree._Element:
    """Find-or-make every step but the last, which is always new (repeated elements)."""
    return _make_child(_find_or_make(parent, steps[:-1]), steps[-1])


class XmlModel(BaseModel):
    """A spec model that knows its XML. Wire (Pulumi input) names are camelCase."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        alias_generator=to_camel,
        use_enum_values=True,
    )
    xml_tag: ClassVar[str] = ""
    match_key: ClassVar[str | None] = None
    """In a list, the field that says which existing element an entry is (`merge_into`)."""

    # ---- spec -> XML -------------------------------------------------------------------
    def to_element(self, tag: str | None = None) -> etree._Element:
        """Build this model's element (the root tag, or `tag` when nested)."""
        element = etree.Element(tag or self.xml_tag)
        self.write_into(element)
        return element

    def to_xml(self) -> str:
        """The XML document libvirt gets, pretty-printed and stable."""
        return etree.tostring(self.to_element(), pretty_print=True, encoding="unicode")

    def write_into(self, element: etree._Element) -> None:
        """Write every bound field into `element`, in declaration order."""
        for name, info in type(self).model_fields.items():
            binding = _binding(info.metadata)
            if binding is None:
                continue
            value = getattr(self, name)
            if value is None:
                continue
            self._write_field(element, binding, _unwrap_optional(info.annotation), value)
        self.write_extra(element)

    def merge_into(
        self, element: etree._Element, unset: Collection[str] = (), *, adopting: bool = False
    ) -> None:
        """Write this spec over an existing element, keeping what the spec does not model.

        Used to change a defined object (or adopt one made by another tool) without losing
        the devices and defaults libvirt or the other tool put there: scalars are set,
        nested models merged, lists of models that name a `match_key` (disks by target,
        NICs by MAC) merged entry by entry — so what libvirt assigned a device (its PCI
        address, alias, boot order, driver tuning) survives a redefine — other lists
        replaced whole. Fields that are None are left alone
        (libvirt's defaults), except those named in `unset` (wire names, e.g. fields the
        user removed from the spec), whose element or attribute is removed. When `adopting`
        an object made elsewhere, an empty list leaves the existing elements alone: not
        describing an adopted VM's disks must not detach them.
        """
        for name, info in type(self).model_fields.items():
            binding = _binding(info.metadata)
            if binding is None:
                continue
            value = getattr(self, name)
            annotation = _unwrap_optional(info.annotation)
            steps, attr = _split(binding.path)
            item = _list_item(annotation)
            if item is not None and steps:
                if adopting and not value:
                    continue
                if _is_model(item) and item.match_key is not None:
                    _merge_entries(element, steps, item, value, adopting)
                    continue
                _remove_all(element, steps)
            elif value is None:
                if info.alias in unset or name in unset:
                    _remove_field(element, steps, attr)
                continue
            elif _is_model(annotation):
                value.merge_into(_find_or_make(element, steps), adopting=adopting)
                continue
            elif binding.flag and not value:
                _remove_all(element, steps)
                continue
            self._write_field(element, binding, annotation, value)

    def write_extra(self, element: etree._Element) -> None:
        """Hook for XML that is not a plain field (constant elements). Default: nothing."""

    @staticmethod
    def _write_field(element: etree._Element, binding: X, annotation: Any, value: Any) -> None:
        steps, attr = _split(binding.path)
        item = _list_item(annotation)
        if item is not None:
            for entry in value:
                if _is_model(item):
                    child = _make_path(element, steps)
                    entry.write_into(child)
                else:
                    node = _make_path(element, steps) if steps else element
                    _set_scalar(node, attr, binding, entry)
            return
        if _is_model(annotation):
            child = _find_or_make(element, steps)
            value.write_into(child)
            return
        if binding.flag:
            if value:
                _find_or_make(element, steps)
            return
        node = _find_or_make(element, steps)
        _set_scalar(node, attr, binding, value)

    # ---- XML -> spec -------------------------------------------------------------------
    @classmethod
    def from_xml(cls, text: str | bytes, **extra: Any) -> Self:
        """Read a model back from libvirt's XML; `extra` fills fields kept outside the XML."""
        parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
        root = etree.fromstring(text.encode() if isinstance(text, str) else text, parser)
        return cls.from_element(root, **extra)

    @classmethod
    def from_element(cls, element: etree._Element, **extra: Any) -> Self:
        """Build the model from `element`; only bound fields are read."""
        values: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            binding = _binding(info.metadata)
            if binding is None:
                continue
            value = cls._read_field(element, binding, _unwrap_optional(info.annotation))
            if value is not None:
                values[name] = value
        values.update(cls.read_extra(element))
        values.update(extra)
        return cls.model_validate(values)

    @classmethod
    def read_extra(cls, element: etree._Element) -> dict[str, Any]:
        """Hook for values that are not plain fields. Default: nothing."""
        return {}

    @classmethod
    def _read_field(cls, element: etree._Element, binding: X, annotation: Any) -> Any:
        steps, attr = _split(binding.path)
        item = _list_item(annotation)
        if item is not None:
            nodes = element.findall(_join(steps)) if steps else [element]
            if _is_model(item):
                return [item.from_element(node) for node in nodes]
            found = [_get_scalar(node, attr, binding, item) for node in nodes]
            return [v for v in found if v is not None]
        if _is_model(annotation):
            node = element.find(_join(steps))
            return None if node is None else annotation.from_element(node)
        node = element.find(_join(steps)) if steps else element
        if binding.flag:
            return node is not None
        if node is None:
            return None
        return _get_scalar(node, attr, binding, annotation)


def _merge_entries(
    element: etree._Element,
    steps: list[str],
    item: type[XmlModel],
    entries: list[XmlModel],
    adopting: bool,
) -> None:
    """Merge each entry into the existing element it matches (a new one when none does),
    drop existing elements no entry matches, and order them as the entries are."""
    parent = _find_or_make(element, steps[:-1])
    existing = parent.findall(steps[-1])
    position = parent.index(existing[0]) if existing else len(parent)
    placed = []
    for entry, match in zip(entries, _matches(existing, entries, item), strict=True):
        node = match if match is not None else _make_child(parent, steps[-1])
        if match is None:
            entry.write_into(node)
        else:
            # The entry describes its element whole: its unset fields are removed (a disk
            # that was a pool volume and is now a file loses its pool and volume).
            unset = [
                name
                for name, info in item.model_fields.items()
                if name != item.match_key
                and getattr(entry, name) is None
                and _binding(info.metadata) is not None
            ]
            entry.merge_into(node, unset, adopting=adopting)
        placed.append(node)
    for node in existing:
        parent.remove(node)
    for offset, node in enumerate(placed):
        parent.insert(position + offset, node)


def _matches(
    existing: list[etree._Element], entries: list[XmlModel], item: type[XmlModel]
) -> list[etree._Element | None]:
    """For each entry, the existing element with its key; entries without a key (a NIC
    whose MAC libvirt chose) take the remaining elements in order."""
    key = item.match_key
    assert key is not None
    info = item.model_fields[key]
    binding = _binding(info.metadata)
    assert binding is not None
    annotation = _unwrap_optional(info.annotation)
    free = {id(node): node for node in existing}
    keys = {id(node): item._read_field(node, binding, annotation) for node in existing}
    matched: list[etree._Element | None] = []
    for entry in entries:
        want = getattr(entry, key)
        node = next((n for n in free.values() if want is not None and keys[id(n)] == want), None)
        if node is not None:
            del free[id(node)]
        matched.append(node)
    for index, entry in enumerate(entries):
        if matched[index] is None and getattr(entry, key) is None and free:
            matched[index] = free.pop(next(iter(free)))
    return matched


def _remove_all(element: etree._Element, steps: list[str]) -> None:
    for node in element.findall(_join(steps)):
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)


def _remove_field(element: etree._Element, steps: list[str], attr: str | None) -> None:
    """Remove an unset field: its attribute, or its element (an element's own text field)."""
    if attr is None:
        _remove_all(element, steps)
        return
    node = element.find(_join(steps)) if steps else element
    if node is not None and attr in node.attrib:
        del node.attrib[attr]


def _binding(metadata: list[Any]) -> X | None:
    for entry in metadata:
        if isinstance(entry, X):
            return entry
    return None


def _set_scalar(node: etree._Element, attr: str | None, binding: X, value: Any) -> None:
    if binding.unit is not None:
        node.set("unit", binding.unit)
    text = _format(binding, value)
    if attr is None:
        node.text = text
    else:
        node.set(attr, text)


def _format(binding: X, value: Any) -> str:
    if isinstance(value, bool):
        return binding.true if value else binding.false
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _get_scalar(node: etree._Element, attr: str | None, binding: X, annotation: Any) -> Any:
    raw = node.text if attr is None else node.get(attr)
    if raw is None:
        return None
    raw = raw.strip()
    if binding.unit is not None:
        size = parse_size(f"{raw}{node.get('unit', binding.read_unit)}")
        return size // _UNIT_FACTORS[binding.unit]
    if annotation is bool:
        return raw == binding.true
    if annotation is int:
        return int(raw)
    return raw
