"""One libvirt connection per host per provider process, however many resources use it."""

from __future__ import annotations

from pathlib import Path

from components.providers import connection
from components.providers.domain import DomainProvider
from components.providers.host_facts_resource import HostFactsProvider
from components.providers.network import NetworkProvider
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from tests.components.providers.lab_support import cleaned, subnet_for
from tests.components.providers.wire import (
    Engine,
    Resource,
    domain_inputs,
    network_inputs,
    pool_inputs,
    volume_inputs,
)
from tests.lab import LabHost

MIB = 1024**2


def test_one_connection_serves_every_resource_of_a_host(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    uri = lab_host.uri
    pool = f"{name_prefix}pool"
    engines = {
        kind: Engine(provider())
        for kind, provider in (
            ("facts", HostFactsProvider),
            ("pool", StoragePoolProvider),
            ("volume", VolumeProvider),
            ("network", NetworkProvider),
            ("domain", DomainProvider),
        )
    }
    with cleaned(lab_host, name_prefix):
        connection.close_all()
        before = connection.opened[uri]
        made: list[Resource] = [
            engines["facts"].create({"connectionUri": uri}),
            engines["pool"].create(pool_inputs(uri, pool, str(lab_scratch / "pool"))),
        ]
        for i in range(10):
            made.append(
                engines["volume"].create(
                    volume_inputs(uri, pool, f"{name_prefix}v{i}.qcow2", capacityBytes=MIB)
                )
            )
        made.append(
            engines["network"].create(
                network_inputs(uri, f"{name_prefix}net", subnet_for(name_prefix))
            )
        )
        made.append(engines["domain"].create(domain_inputs(uri, f"{name_prefix}vm")))
        for res in made:
            found_id, _outs = Engine(res.provider).read(res)
            assert found_id == res.id
        for res in reversed(made):
            Engine(res.provider).delete(res)

        assert len(made) == 14
        assert connection.opened[uri] - before == 1, (
            f"{connection.opened[uri] - before} connections to {uri} for 14 resources"
        )
