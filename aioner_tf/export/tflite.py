"""TFLite models of the subword-id path, and a CPU runner for them.

The model's `decode` is converted with a static signature: int32 `input_ids`, `attention_mask`
and `word_positions` of shape [batch_size, max_len] → int32 `label_ids` [batch_size, max_len].
With static shapes the CRF's Viterbi decoding lowers to TFLite builtin ops; with dynamic ones
it would need SELECT_TF_OPS (../shared/STACK.md). Two variants: float32, and dynamic-range int8
(`Optimize.DEFAULT`: int8 weights, float activations), about a quarter of the size.
"""

import pathlib
from typing import Dict, Mapping, Optional

from ai_edge_litert.interpreter import Interpreter
import numpy as np
import tensorflow as tf

from aioner_tf.export.saved_model import INPUT_KEYS
from aioner_tf.model import aioner

FLOAT32 = 'float32'
INT8 = 'int8'
QUANTIZATIONS = (FLOAT32, INT8)
OUTPUT = 'label_ids'


def convert(model: aioner.AionerModel, batch_size: int, quantization: str = FLOAT32) -> bytes:
  """The TFLite flatbuffer of `model.decode` on [batch_size, max_len] inputs."""
  if quantization not in QUANTIZATIONS:
    raise ValueError(f'quantization must be one of {QUANTIZATIONS}, got {quantization!r}')
  shape = [batch_size, model.config.max_len]

  @tf.function(input_signature=[tf.TensorSpec(shape, tf.int32, name=key) for key in INPUT_KEYS])
  def decode(input_ids, attention_mask, word_positions):
    return {OUTPUT: model.decode({'input_ids': input_ids, 'attention_mask': attention_mask,
                                  'word_positions': word_positions})}

  converter = tf.lite.TFLiteConverter.from_concrete_functions(
      [decode.get_concrete_function()], model)
  if quantization == INT8:
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
  return converter.convert()


def export_tflite(model_dir, output_dir, batch_size: int) -> Dict[str, pathlib.Path]:
  """Writes aioner_<quantization>.tflite of a model directory for every quantization."""
  model = aioner.load_model(model_dir)
  output_dir = pathlib.Path(output_dir)
  output_dir.mkdir(parents=True, exist_ok=True)
  paths = {}
  for quantization in QUANTIZATIONS:
    paths[quantization] = output_dir / f'aioner_{quantization}.tflite'
    paths[quantization].write_bytes(convert(model, batch_size, quantization))
  return paths


class LiteRunner:
  """Decodes input dicts of any size with a converted model on CPU (ai_edge_litert).

  Rows are run in batches of the model's static batch size, each padded to [batch_size,
  max_len] with 0, the padding of AionerModel's inputs, which changes no label.
  """

  def __init__(self, path, num_threads: Optional[int] = None):
    self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
    self._runner = self._interpreter.get_signature_runner()
    self.batch_size, self.max_len = self._runner.get_input_details()['input_ids']['shape']

  def decode(self, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
    """Label ids [rows, words] of inputs as AionerModel.decode takes them; columns past max_len
    must be padding."""
    arrays = {}
    for key in INPUT_KEYS:
      array = np.asarray(inputs[key], np.int32)
      if array[:, self.max_len:].any():
        raise ValueError(f'{key} is longer than the model\'s max_len {self.max_len}')
      arrays[key] = array[:, :self.max_len]
    rows, words = np.shape(inputs['word_positions'])
    label_ids = np.zeros([rows, words], np.int32)
    for start in range(0, rows, self.batch_size):
      padded = {}
      for key, array in arrays.items():
        chunk = array[start:start + self.batch_size]
        padded[key] = np.zeros([self.batch_size, self.max_len], np.int32)
        padded[key][:len(chunk), :chunk.shape[1]] = chunk
      decoded = self._runner(**padded)[OUTPUT]
      end = min(start + self.batch_size, rows)
      label_ids[start:end, :self.max_len] = decoded[:end - start, :words]
    return label_ids
