"""Apache Beam pipelines: tagging many files on DirectRunner, Dataflow, Flink or Spark."""
