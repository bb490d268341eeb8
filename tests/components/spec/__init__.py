"""Tests of the spec layer: typed libvirt objects and their XML."""
