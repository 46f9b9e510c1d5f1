"""Glue / EMR entry point: curate one dataset (see glue_jobs/lake_etl/job.py for the arguments).

spark-submit --py-files lake_etl.zip curate_dataset.py --dataset_spec '{...}' --raw_path s3://... ...
"""

import sys

from lake_etl.job import main

if __name__ == "__main__":
    main(sys.argv[1:])
