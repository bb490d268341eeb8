"""pulumi-libvirt networks → `networks` entries, with the DHCP range the old provider
derived; what has no kind here is listed and left alone."""

from __future__ import annotations

import ipaddress
from typing import Any

from components.migrate.export import Resource
from components.migrate.findings import KEPT_AS_IS
from components.migrate.pulumi_libvirt.context import Context, config_key, note_xslt, subject_of

_KINDS = {"nat": "nat", "none": "isolated", "route": "routed", "bridge": "bridged"}


def convert_network(ctx: Context, network: Resource) -> None:
    host = ctx.hosts.of(network)
    mode = str(network.get("mode") or "nat").lower()
    label = subject_of(network)
    kind = _KINDS.get(mode)
    ctx.unconverted[network.id] = str(network.get("name"))
    if kind is None:
        ctx.out.note(
            label,
            f"mode {mode!r} has no kvm-pulumi kind",
            f"{KEPT_AS_IS}; VMs on it use it as an `existing` network",
        )
        return
    entry: dict[str, Any] = {"kind": kind}
    if kind == "bridged":
        entry["bridge"] = network.get("bridge")
    else:
        if not _addresses(ctx, network, entry):
            return
        _dns(ctx, network, entry)
        if network.get("domain"):
            entry["dnsDomain"] = network.get("domain")
        if network.get("bridge"):
            entry["bridgeName"] = network.get("bridge")
        if network.get("mtu"):
            entry["mtu"] = int(network.get("mtu"))
        routes = network.get("routes") or []
        if routes and kind == "routed":
            entry["routes"] = [{"subnet": r["cidr"], "gateway": r["gateway"]} for r in routes]
        elif routes:
            ctx.out.note(label, "static routes on a non-routed network", KEPT_AS_IS)
    entry["autostart"] = bool(network.get("autostart", False))
    entry.update({"hosts": [host], "libvirtName": str(network.get("name")), "adopt": True})
    del ctx.unconverted[network.id]
    key = config_key(network.name, ctx.section("networks"))
    ctx.section("networks")[key] = entry
    ctx.networks[network.id] = key
    ctx.networks[f"{host}/{network.get('name')}"] = key
    ctx.out.count("network")
    if network.get("dnsmasqOptions"):
        ctx.out.note(label, "dnsmasq options", f"{KEPT_AS_IS}; kvm-pulumi will not change them")
    if network.get("xml"):
        note_xslt(ctx, network)


def _addresses(ctx: Context, network: Resource, entry: dict[str, Any]) -> bool:
    """subnet (+ ipv6) and the DHCP range terraform-provider-libvirt derived from it
    (`.2` to the last address before broadcast)."""
    label = subject_of(network)
    subnets = [ipaddress.ip_network(str(a), strict=False) for a in network.get("addresses") or []]
    v4 = [s for s in subnets if s.version == 4]
    v6 = [s for s in subnets if s.version == 6]
    if len(v4) != 1:
        ctx.out.note(
            label,
            f"{len(v4)} IPv4 subnets (kvm-pulumi networks have exactly one)",
            f"{KEPT_AS_IS}; VMs on it use it as an `existing` network",
        )
        return False
    subnet = v4[0]
    entry["subnet"] = str(subnet)
    dhcp = network.get("dhcp") or {}
    if not isinstance(dhcp, dict) or dhcp.get("enabled", True):
        entry["dhcp"] = {"start": str(subnet.network_address + 2), "end": str(subnet[-2])}
    if v6:
        entry["ipv6"] = {"subnet": str(v6[0])}
        ctx.out.note(
            label,
            "an IPv6 DHCP range (kvm-pulumi's IPv6 has router advertisements only)",
            "the probe reports it; drop the range with `virsh net-edit` or keep the network "
            "under the old tool",
        )
    return True


def _dns(ctx: Context, network: Resource, entry: dict[str, Any]) -> None:
    dns = network.get("dns") or {}
    if not isinstance(dns, dict) or not dns.get("enabled", True):
        return
    label = subject_of(network)
    hosts: dict[str, list[str]] = {}
    for record in dns.get("hosts") or []:
        hosts.setdefault(str(record["ip"]), []).append(str(record["hostname"]))
    if hosts:
        entry["dnsHosts"] = [{"ip": ip, "hostnames": names} for ip, names in hosts.items()]
    forwarders = []
    for forwarder in dns.get("forwarders") or []:
        if forwarder.get("domain"):
            ctx.out.note(
                label,
                f"a DNS forwarder for domain {forwarder['domain']!r} only",
                f"{KEPT_AS_IS}; kvm-pulumi forwarders apply to every name",
            )
        elif forwarder.get("address"):
            forwarders.append(str(forwarder["address"]))
    if forwarders:
        entry["forwarders"] = forwarders
    if dns.get("srvs"):
        ctx.out.note(label, "DNS SRV records", f"{KEPT_AS_IS}; kvm-pulumi has no SRV records")
    if dns.get("localOnly"):
        ctx.out.note(label, "dns.localOnly", KEPT_AS_IS)
