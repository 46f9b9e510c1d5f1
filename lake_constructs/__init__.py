"""Reusable constructs the stacks are built from, one concept per module."""
