"""Tests of the `components` package, mirroring its layout."""
