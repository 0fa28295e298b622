"""TFLite models of the subword-id path, and a CPU runner for them.

The model's `decode` is converted with static shapes: int32 `input_ids`, `attention_mask` and
`word_positions` of shape [batch_size, length] → int32 `label_ids` [batch_size, length]. With
static shapes the CRF's Viterbi decoding lowers to TFLite builtin ops; with dynamic ones it would
need SELECT_TF_OPS (../shared/STACK.md). One signature per length (`length_32`, ...,
`length_<max_len>`; the converter names a single one `serving_default`), sharing the weights:
most sentences are far shorter than max_len, and the runner runs each batch at the shortest
length that holds it instead of padding it to max_len.
Two variants: float32, and dynamic-range int8 (`Optimize.DEFAULT`: int8 weights, float
activations), about a quarter of the size, its fully connected weights quantised per output
unit (quantization.py).
"""

import pathlib
from typing import Dict, List, Mapping, Optional, Sequence

from ai_edge_litert.interpreter import Interpreter
import numpy as np
import tensorflow as tf

from aioner_tf.export import quantization as quantization_lib
from aioner_tf.export.saved_model import INPUT_KEYS
from aioner_tf.model import aioner

FLOAT32 = 'float32'
INT8 = 'int8'
QUANTIZATIONS = (FLOAT32, INT8)
OUTPUT = 'label_ids'
SIGNATURE_PREFIX = 'length_'
LENGTHS = (32, 64, 128)  # Signature lengths below max_len; max_len is always one.


def signature_lengths(max_len: int, lengths: Sequence[int] = LENGTHS) -> List[int]:
  """The lengths of the signatures of a model whose max_len is `max_len`."""
  return sorted({length for length in lengths if length < max_len} | {max_len})


def convert(model: aioner.AionerModel, batch_size: int, lengths: Sequence[int] = LENGTHS
            ) -> Dict[str, bytes]:
  """The TFLite flatbuffers of `model.decode` on [batch_size, length] inputs, one signature
  `length_<length>` per length of `signature_lengths`, for every quantization. The float32
  model is converted once: int8's weights are requantised from it."""

  def decode(input_ids, attention_mask, word_positions):
    return {OUTPUT: model.decode({'input_ids': input_ids, 'attention_mask': attention_mask,
                                  'word_positions': word_positions})}

  functions = []
  for length in signature_lengths(model.config.max_len, lengths):
    decode.__name__ = f'{SIGNATURE_PREFIX}{length}'  # The signature's key.
    functions.append(tf.function(decode, input_signature=[
        tf.TensorSpec([batch_size, length], tf.int32, name=key) for key in INPUT_KEYS
    ]).get_concrete_function())
  float_model = tf.lite.TFLiteConverter.from_concrete_functions(functions, model).convert()
  converter = tf.lite.TFLiteConverter.from_concrete_functions(functions, model)
  converter.optimizations = [tf.lite.Optimize.DEFAULT]
  return {FLOAT32: float_model,
          INT8: quantization_lib.per_channel_fully_connected(converter.convert(), float_model)}


def export_tflite(model_dir, output_dir, batch_size: int, lengths: Sequence[int] = LENGTHS
                  ) -> Dict[str, pathlib.Path]:
  """Writes aioner_<quantization>.tflite of a model directory for every quantization."""
  output_dir = pathlib.Path(output_dir)
  output_dir.mkdir(parents=True, exist_ok=True)
  paths = {}
  for quantization, flatbuffer in convert(aioner.load_model(model_dir), batch_size,
                                          lengths).items():
    paths[quantization] = output_dir / f'aioner_{quantization}.tflite'
    paths[quantization].write_bytes(flatbuffer)
  return paths


class LiteRunner:
  """Decodes input dicts of any size with a converted model on CPU (ai_edge_litert).

  Rows are run in batches of the model's static batch size, each padded with 0 (the padding of
  AionerModel's inputs, which changes no label) to the shortest signature length that holds
  its longest row.
  """

  def __init__(self, path, num_threads: Optional[int] = None):
    self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
    runners = [self._interpreter.get_signature_runner(key)
               for key in self._interpreter.get_signature_list()]
    # Keyed by length (a model of one signature names it serving_default, not by its length).
    self._runners = {int(runner.get_input_details()['input_ids']['shape'][1]): runner
                     for runner in runners}
    self.lengths = sorted(self._runners)
    self.max_len = self.lengths[-1]
    self.batch_size = self._runners[self.max_len].get_input_details()['input_ids']['shape'][0]

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
      chunks = {key: array[start:start + self.batch_size] for key, array in arrays.items()}
      used = max(_used_columns(chunks['attention_mask']), _used_columns(chunks['word_positions']))
      length = next(length for length in self.lengths if length >= used)
      padded = {}
      for key, chunk in chunks.items():
        padded[key] = np.zeros([self.batch_size, length], np.int32)
        padded[key][:len(chunk), :min(length, chunk.shape[1])] = chunk[:, :length]
      decoded = self._runners[length](**padded)[OUTPUT]
      end = min(start + self.batch_size, rows)
      width = min(length, words)
      label_ids[start:end, :width] = decoded[:end - start, :width]
    return label_ids


def _used_columns(array: np.ndarray) -> int:
  """The number of leading columns of `array` that hold a non-zero value in some row."""
  nonzero = np.flatnonzero(array.any(axis=0))
  return int(nonzero[-1]) + 1 if nonzero.size else 1
