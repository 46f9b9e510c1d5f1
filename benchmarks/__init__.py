"""Benchmarks: commands that print how long the platform's main jobs take."""
