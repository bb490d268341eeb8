"""Typed specs of libvirt objects and their XML, both directions. Pure: no I/O."""
