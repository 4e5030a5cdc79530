"""Benchmarks of Converge (`make bench`), each a script run on its own."""
