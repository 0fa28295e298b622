"""aioner_tf: the AIONER all-in-one biomedical named-entity recogniser in TensorFlow/Keras."""
