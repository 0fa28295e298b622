"""Documents, corpus readers and writers, and the path from corpus files to tf.data."""
