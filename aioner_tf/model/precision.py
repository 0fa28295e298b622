"""The model's compute precision: float32, or mixed bfloat16 (bfloat16 compute, float32 weights).

transformers builds its TensorFlow encoders with the `tf_keras` package, whose global dtype
policy is separate from `tf.keras`'s: both are set here, or the encoder would silently stay in
float32 while only the layers above it compute in bfloat16. Call before the model is built.
The CRF and the losses cast their inputs to float32, and weights stay float32, so a model
trained or saved under one policy loads under the other.
"""

import tensorflow as tf
import tf_keras

FLOAT32 = 'float32'
MIXED_BFLOAT16 = 'mixed_bfloat16'
POLICIES = (FLOAT32, MIXED_BFLOAT16)


def check_policy(name: str) -> None:
  """Raises ValueError unless `name` is one of POLICIES (before any work that would need it)."""
  if name not in POLICIES:
    raise ValueError(f'precision must be one of {POLICIES}, got {name!r}')


def set_policy(name: str) -> None:
  """Sets the global Keras dtype policy of models built from now on."""
  check_policy(name)
  tf.keras.mixed_precision.set_global_policy(name)
  tf_keras.mixed_precision.set_global_policy(name)
