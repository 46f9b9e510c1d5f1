"""How Spark on Glue and on EMR reaches the curated Iceberg tables: one catalog, `glue_catalog`.

AWS Glue 5.1 ships Apache Iceberg 1.10.0 and loads it with the job parameter
`--datalake-formats iceberg`; the catalog is configured with Spark settings passed in the `--conf`
job parameter (AWS Glue developer guide, "Using the Iceberg framework in AWS Glue": the extensions,
`spark.sql.catalog.glue_catalog` = SparkCatalog, its warehouse, catalog-impl GlueCatalog and
io-impl S3FileIO). EMR loads Iceberg with the `iceberg-defaults` classification
(`iceberg.enabled: true`, Amazon EMR release guide, "Use a cluster with Iceberg installed") and
takes the same settings as spark-defaults. GlueCatalog commits with Glue's optimistic locking
(UpdateTable on the version read), so no lock table is needed.
"""

from __future__ import annotations

DATALAKE_FORMATS = "iceberg"
ICEBERG_CATALOG = "glue_catalog"  # the name the job uses (glue_jobs/lake_etl/lake_io.py, same constant)


def spark_conf(warehouse: str) -> dict[str, str]:
    """The Spark settings of the Iceberg catalog on Glue and EMR (`warehouse`: s3://<curated bucket>/)."""
    prefix = f"spark.sql.catalog.{ICEBERG_CATALOG}"
    return {
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.warehouse": warehouse,
        f"{prefix}.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog",
        f"{prefix}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
    }


def glue_conf_argument(warehouse: str) -> str:
    """The value of the Glue job parameter `--conf`: 'k1=v1 --conf k2=v2 ...' (Glue takes one --conf key)."""
    return " --conf ".join(f"{key}={value}" for key, value in spark_conf(warehouse).items())
