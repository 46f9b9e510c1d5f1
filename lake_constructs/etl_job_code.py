"""The ETL job's code as CDK assets: the entry script, and the library zipped for `--extra-py-files`."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

GLUE_JOBS = Path(__file__).resolve().parent.parent / "glue_jobs"
ENTRY_SCRIPT = "curate_dataset.py"
LIBRARY = "lake_etl"


class UploadedCode(glue.Code):
    """Code already uploaded as an asset. Unlike `glue.Code.from_asset`, binding grants nothing:
    the asset-wide grant uses `s3:GetObject*`/`s3:List*` on the whole staging bucket; the job's role
    gets `s3:GetObject` on the uploaded object instead. The asset keeps the construct id it is given,
    where `from_asset` names it after a hash of the absolute path (which differs per checkout)."""

    def __init__(self, asset: s3_assets.Asset) -> None:
        super().__init__()
        self._asset = asset

    def bind(self, scope: Construct, grantable: iam.IGrantable) -> glue.CodeConfig:
        return glue.CodeConfig(
            s3_location=s3.Location(bucket_name=self._asset.s3_bucket_name, object_key=self._asset.s3_object_key)
        )


class EtlJobCode(Construct):
    """`glue_jobs/curate_dataset.py` as `script`, and the `glue_jobs/lake_etl` package as `library`.

    A directory asset is zipped with the directory's *contents* at the zip's root; Python imports a
    package from a zip only if the package folder is at the root. So the library asset is the
    `glue_jobs` directory with everything but `lake_etl/` excluded: the zip holds `lake_etl/...`.
    Byte-code caches are left out, so the asset hash changes only with the source.

    Attributes: `script` and `library` (glue.Code for PySparkEtlJob), `script_asset`,
    `library_asset`, `object_arns` (the two uploaded objects, for the jobs' read permission).
    """

    def __init__(self, scope: Construct, id: str, *, source: Path = GLUE_JOBS) -> None:
        super().__init__(scope, id)
        self.script_asset = s3_assets.Asset(self, "Script", path=str(source / ENTRY_SCRIPT))
        self.library_asset = s3_assets.Asset(
            self,
            "Library",
            path=str(source),
            exclude=["*", f"!{LIBRARY}", f"!{LIBRARY}/**", "__pycache__", "*.pyc"],
        )
        self.script = UploadedCode(self.script_asset)
        self.library = UploadedCode(self.library_asset)
        self.object_arns = [
            asset.bucket.arn_for_objects(asset.s3_object_key) for asset in (self.script_asset, self.library_asset)
        ]
