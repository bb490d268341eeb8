"""Networks: one module per kind (nat, isolated, routed, bridged, existing) over a shared
base (`base.HostNetwork`; `addressed` for the kinds with a subnet and DHCP)."""
