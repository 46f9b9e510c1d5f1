"""Typed models of an environment's config, one module per platform layer."""

from .platform import PlatformConfig

__all__ = ["PlatformConfig"]
