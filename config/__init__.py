"""Environment config: typed models, the YAML loader, and the JSON schema for editors."""

from .loader import ConfigError, environment_names, load_config
from .models import PlatformConfig

__all__ = ["ConfigError", "PlatformConfig", "environment_names", "load_config"]
