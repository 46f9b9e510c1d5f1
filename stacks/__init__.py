"""One module per platform layer, and `DataPlatform`, which composes them from the config."""
