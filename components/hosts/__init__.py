"""Hosts: KvmHost (a libvirt URI and what is checked on it at preview), host inspection and
reachability, VM placement and move notices, and the storage pools on hosts."""
