"""Tests of kvm-pulumi; a package so that `tests.lab` imports the same way from every test."""
