"""Library of the curate job: pure DataFrame functions plus the I/O it needs (S3, Glue catalog, metrics).

Shipped to Glue as a zip (`--extra-py-files`) and to EMR with `--py-files`; imports only PySpark, boto3
and the standard library.
"""
