"""Machines: VmTemplate, VirtualMachine, the machine generations (gen1/gen2/custom) and
cloud-init."""
