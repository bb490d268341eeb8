"""The HostFacts dynamic provider: what a host is and offers, as read-only outputs.

Every KvmHost registers one as its child. `create` and `read` gather the facts (versions,
CPU, memory, machine types, UEFI firmware, storage pools, the domain-type decision) over the
provider process's cached connection; `delete` forgets them without even connecting (a host
taken out of the stack may be gone). The one input is the host's URI: a URI to another
daemon is a replace, one that reaches the same daemon another way (another SSH key file,
say) an update that reads them again. Facts that change on the host are what
`pulumi refresh` shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libvirt
from pulumi.dynamic import CheckFailure, CheckResult

from components.providers.base import LibvirtProvider, Props, has_unknowns
from components.providers.host_facts import FACT_KEYS, gather_host_facts
from components.spec.changes import CONNECTION_KEY, HOST_FACTS_RULES, FieldChange
from components.spec.connection_uri import parse_host_uri
from components.spec.xmlbind import XmlModel


class HostFactsSpec(XmlModel):
    """Nothing to ask for: a host's facts are all read (from libvirt's capabilities and
    a few host calls); the resource's only input is the URI."""

    xml_tag = "capabilities"

    stack_prefix: str = ""
    """The stack's name prefix (`<stack>-`): its own pools are not host facts."""


class HostFactsProvider(LibvirtProvider[HostFactsSpec]):
    """Read-only: reads a host's facts, never changes anything on it."""

    spec_type = HostFactsSpec
    rules = HOST_FACTS_RULES
    kind = "host facts"
    computed_keys = FACT_KEYS

    def label(self, props: Mapping[str, Any]) -> str:
        return f"the facts of host {props.get(CONNECTION_KEY)}"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """The base checks, plus: the URI must be one of the accepted host URI kinds."""
        result = super().check(olds, news)
        uri = news.get(CONNECTION_KEY)
        if not isinstance(uri, str) or not uri or has_unknowns(uri):
            return result
        try:
            parse_host_uri(uri)
        except ValueError as err:
            failures = [*(result.failures or []), CheckFailure(CONNECTION_KEY, str(err))]
            return CheckResult(result.inputs, failures)
        return result

    def create_object(
        self, conn: libvirt.virConnect, spec: HostFactsSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        facts = gather_host_facts(conn, spec.stack_prefix)
        return facts.host_uuid or facts.hostname, facts.wire()

    def read_object(
        self, conn: libvirt.virConnect, id_: str, desired: HostFactsSpec, props: Mapping[str, Any]
    ) -> tuple[HostFactsSpec, Props] | None:
        return desired, gather_host_facts(conn, desired.stack_prefix).wire()

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: HostFactsSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        return gather_host_facts(conn, spec.stack_prefix).wire()

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Forget the facts: no connection, nothing on the host is touched."""
