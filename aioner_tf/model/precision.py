"""The model's compute precision: float32, or mixed bfloat16 (bfloat16 compute, float32 weights).

transformers builds its TensorFlow encoders with the `tf_keras` package, whose global dtype
policy is separate from `tf.keras`'s: both are set here, or the encoder would silently stay in
float32 while only the layers above it compute in bfloat16. Call before the model is built.
The CRF and the losses cast their inputs to float32, and weights stay float32, so a model
trained or saved under one policy loads under the other.

Mixed bfloat16 pays only on a CPU with bfloat16 instructions (AVX512_BF16, AMX, Arm's BF16);
elsewhere it is emulated and slower than float32, and set_policy warns.
"""

import pathlib
from typing import Optional
import warnings

import tensorflow as tf
import tf_keras

FLOAT32 = 'float32'
MIXED_BFLOAT16 = 'mixed_bfloat16'
POLICIES = (FLOAT32, MIXED_BFLOAT16)

_CPUINFO = '/proc/cpuinfo'
_BFLOAT16_CPU_FLAGS = ('avx512_bf16', 'amx_bf16', 'bf16')


def check_policy(name: str) -> None:
  """Raises ValueError unless `name` is one of POLICIES (before any work that would need it)."""
  if name not in POLICIES:
    raise ValueError(f'precision must be one of {POLICIES}, got {name!r}')


def cpu_has_bfloat16(cpuinfo: str = _CPUINFO) -> Optional[bool]:
  """Whether the CPU's flags (Linux's cpuinfo) include bfloat16 instructions; None where the
  file cannot be read (another OS)."""
  try:
    lines = pathlib.Path(cpuinfo).read_text().splitlines()
  except OSError:
    return None
  flags = set()
  for line in lines:
    key, _, value = line.partition(':')
    if key.strip() in ('flags', 'Features'):  # x86, Arm
      flags.update(value.split())
  return any(flag in flags for flag in _BFLOAT16_CPU_FLAGS)


def set_policy(name: str) -> None:
  """Sets the global Keras dtype policy of models built from now on."""
  check_policy(name)
  if name == MIXED_BFLOAT16 and cpu_has_bfloat16() is False:
    warnings.warn(f'{MIXED_BFLOAT16} on a CPU without bfloat16 instructions (none of '
                  f'{", ".join(_BFLOAT16_CPU_FLAGS)} in {_CPUINFO}): bfloat16 is emulated '
                  f'here and slower than {FLOAT32}', stacklevel=2)
  tf.keras.mixed_precision.set_global_policy(name)
  tf_keras.mixed_precision.set_global_policy(name)
