"""PySpark jobs the platform runs on Glue (and EMR): thin entry scripts and their library, lake_etl."""
