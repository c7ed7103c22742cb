"""Benchmarks (`make bench`): the project measured against the references in ../shared/anchors, in one run."""
