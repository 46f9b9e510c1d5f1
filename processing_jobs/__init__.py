"""Jobs the EMR cluster runs as steps; each file is shipped on its own and runs with spark-submit."""
