"""Writes config/schema.json from the models, for editor completion: `python -m config.schema`."""

import json
from pathlib import Path

from .models import PlatformConfig

SCHEMA_FILE = Path(__file__).parent / "schema.json"


def render() -> str:
    schema = PlatformConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ML data-lake platform environment"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
