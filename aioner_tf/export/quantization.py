"""Per-channel int8 weights for the fully connected layers of a dynamic-range TFLite model.

TF 2.15's converter (`Optimize.DEFAULT`) quantises each FULLY_CONNECTED weight matrix with one
scale for the whole matrix, so an output unit whose weights are small loses most of its
precision to the matrix's largest weight. On the shipped AIO model that cost 0.83 F1 points on
BioRED dev. TFLite's hybrid kernels also take one scale per output unit (per channel); this
module requantises every int8 FULLY_CONNECTED weight that way from the float model's weights,
which gave back the float F1 (docs/BENCHMARKS.md) at the same size and speed.
"""

from typing import List

import numpy as np
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils

FULLY_CONNECTED = 'FULLY_CONNECTED'
WEIGHTS_INPUT = 1  # FULLY_CONNECTED's inputs: activations, weights [units, inputs], bias.
INT8_MAX = 127


def _weights(model: schema.ModelT, subgraph: schema.SubGraphT) -> List[schema.TensorT]:
  """The weight tensors of a subgraph's FULLY_CONNECTED ops, in op order."""
  return [subgraph.tensors[op.inputs[WEIGHTS_INPUT]] for op in subgraph.operators
          if flatbuffer_utils.opcode_to_name(model, op.opcodeIndex) == FULLY_CONNECTED]


def per_channel(weights: np.ndarray):
  """Symmetric int8 values and one scale per row (output unit) of a float [units, inputs]."""
  scales = np.maximum(np.abs(weights).max(axis=1), np.finfo(np.float32).tiny) / INT8_MAX
  values = np.clip(np.round(weights / scales[:, None]), -INT8_MAX, INT8_MAX).astype(np.int8)
  return values, scales.astype(np.float32)


def per_channel_fully_connected(quantized: bytes, float_model: bytes) -> bytes:
  """`quantized` (the dynamic-range conversion of `float_model`) with the int8 weights of every
  FULLY_CONNECTED op requantised per output unit from `float_model`'s weights.

  The two models come from the same functions, so their subgraphs hold the same
  FULLY_CONNECTED ops in the same order; a mismatch raises ValueError.
  """
  model = flatbuffer_utils.convert_bytearray_to_object(bytearray(quantized))
  reference = flatbuffer_utils.convert_bytearray_to_object(bytearray(float_model))
  if len(model.subgraphs) != len(reference.subgraphs):
    raise ValueError('the quantised and float models have different subgraphs')
  for subgraph, float_subgraph in zip(model.subgraphs, reference.subgraphs):
    weights, float_weights = _weights(model, subgraph), _weights(reference, float_subgraph)
    if len(weights) != len(float_weights):
      raise ValueError('the quantised and float models have different FULLY_CONNECTED ops')
    for tensor, float_tensor in zip(weights, float_weights):
      if tensor.type != schema.TensorType.INT8:
        continue  # Left in float by the converter (too small to quantise).
      data = reference.buffers[float_tensor.buffer].data
      values, scales = per_channel(
          np.frombuffer(bytes(data), np.float32).reshape(float_tensor.shape))
      if values.shape != tuple(tensor.shape):
        raise ValueError(f'weights {tensor.name!r}: shape {list(tensor.shape)} against the '
                         f'float model\'s {list(values.shape)}')
      model.buffers[tensor.buffer].data = np.frombuffer(values.tobytes(), np.uint8)
      tensor.quantization.scale = scales.tolist()
      tensor.quantization.zeroPoint = [0] * len(scales)
      tensor.quantization.quantizedDimension = 0
  return bytes(flatbuffer_utils.convert_object_to_bytearray(model))
