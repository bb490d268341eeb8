"""kvm-pulumi: KVM hosts, networks, VM templates and VMs on libvirt, as Pulumi components.

Layers (arrows point down only): components (what users compose) → spec (typed libvirt
objects ↔ XML, pure) → providers (Pulumi dynamic providers over libvirt-python).
"""
