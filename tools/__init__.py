"""Operator command-line tools: local pipeline runs, labeling jobs, the architecture diagram."""
