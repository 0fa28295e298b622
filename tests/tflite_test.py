"""Tests of the TFLite export and its runner on a tiny random-initialised model."""

import dataclasses
import pathlib
from typing import Dict

from ai_edge_litert.interpreter import Interpreter
import numpy as np
import pytest
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils

from aioner_tf.data import aio
from aioner_tf.data.tokenizer import SubwordTokenizer
from aioner_tf.export import quantization as quantization_lib
from aioner_tf.export import saved_model
from aioner_tf.export import tflite
from aioner_tf.model import aioner
from saved_model_test import MAX_LEN, pad, padded_batch, tiny_model_dir, windows

BATCH_SIZE = 4
LENGTHS = (8,)  # With MAX_LEN 16: signatures of lengths 8 and 16.


@dataclasses.dataclass
class Converted:
  model: aioner.AionerModel
  tokenizer: SubwordTokenizer
  batch: Dict[str, np.ndarray]
  paths: Dict[str, pathlib.Path]


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
  root = tmp_path_factory.mktemp('tflite')
  model_dir = tiny_model_dir(root / 'model')
  tokenizer = SubwordTokenizer.load(str(model_dir / saved_model.TOKENIZER_DIR))
  return Converted(aioner.load_model(model_dir), tokenizer, padded_batch(tokenizer),
                   tflite.export_tflite(model_dir, root / 'tflite', BATCH_SIZE, LENGTHS))


def test_float32_gives_the_label_ids_of_keras_decode(converted):
  runner = tflite.LiteRunner(converted.paths[tflite.FLOAT32], num_threads=2)
  assert len(converted.batch['input_ids']) > BATCH_SIZE  # Static batches, the last one padded.
  np.testing.assert_array_equal(runner.decode(converted.batch),
                                converted.model.decode(converted.batch).numpy())
  one = {key: value[:1] for key, value in converted.batch.items()}
  np.testing.assert_array_equal(runner.decode(one), converted.model.decode(one).numpy())


def test_short_batches_run_at_a_short_length_with_the_same_labels(converted, monkeypatch):
  runner = tflite.LiteRunner(converted.paths[tflite.FLOAT32])
  assert runner.lengths == [8, MAX_LEN]
  lengths_run = []
  for length in runner.lengths:
    signature = runner._runners[length]  # pylint: disable=protected-access
    monkeypatch.setitem(runner._runners, length,  # pylint: disable=protected-access
                        lambda signature=signature, length=length, **inputs:
                        lengths_run.append(length) or signature(**inputs))
  short = pad(windows(converted.tokenizer, 'TP53.', aio.ALL_TASK), extra=2)
  assert short['attention_mask'].sum() <= 8 < short['attention_mask'].shape[1]
  for batch in (short, converted.batch):
    np.testing.assert_array_equal(runner.decode(batch), converted.model.decode(batch).numpy())
  assert lengths_run[0] == 8 and set(lengths_run[1:]) == {MAX_LEN}


def test_int8_returns_label_ids_of_the_right_shape(converted):
  runner = tflite.LiteRunner(converted.paths[tflite.INT8], num_threads=2)
  label_ids = runner.decode(converted.batch)
  assert label_ids.shape == converted.batch['word_positions'].shape
  assert ((label_ids >= 0) & (label_ids < len(converted.model.config.labels))).all()
  assert not label_ids[converted.batch['word_positions'] == 0].any()  # Padded words are 0.


def test_int8_is_a_fraction_of_float32(converted):
  sizes = {key: path.stat().st_size for key, path in converted.paths.items()}
  assert sizes[tflite.INT8] < 0.4 * sizes[tflite.FLOAT32]


def test_int8_fully_connected_weights_have_a_scale_per_output_unit(converted):
  int8, float32 = (flatbuffer_utils.read_model(str(converted.paths[q]))
                   for q in (tflite.INT8, tflite.FLOAT32))
  checked = 0
  weights_of = quantization_lib._weights  # pylint: disable=protected-access
  for subgraph, float_subgraph in zip(int8.subgraphs, float32.subgraphs):
    pairs = zip(weights_of(int8, subgraph), weights_of(float32, float_subgraph))
    for tensor, float_tensor in pairs:
      if tensor.type != schema.TensorType.INT8:
        continue
      scales = np.asarray(tensor.quantization.scale)
      values = np.frombuffer(bytes(int8.buffers[tensor.buffer].data), np.int8)
      weights = np.frombuffer(bytes(float32.buffers[float_tensor.buffer].data), np.float32)
      units = tensor.shape[0]
      assert len(scales) == units and tensor.quantization.quantizedDimension == 0
      dequantized = values.reshape(units, -1) * scales[:, None]
      assert np.all(np.abs(dequantized - weights.reshape(units, -1)) <= scales[:, None] / 2 + 1e-7)
      checked += 1
  assert checked


@pytest.mark.parametrize('quantization', tflite.QUANTIZATIONS)
def test_static_shapes_convert_to_builtin_ops_only(converted, quantization):
  interpreter = Interpreter(model_path=str(converted.paths[quantization]))
  ops = {op['op_name'] for op in interpreter._get_ops_details()}  # pylint: disable=protected-access
  assert not [op for op in ops if op.startswith('Flex') or op == 'CUSTOM']
  shapes = {key: list(interpreter.get_signature_runner(key).get_input_details()['input_ids']
                      ['shape']) for key in interpreter.get_signature_list()}
  assert shapes == {'length_8': [BATCH_SIZE, 8], f'length_{MAX_LEN}': [BATCH_SIZE, MAX_LEN]}


def test_padding_past_max_len_is_dropped_and_longer_inputs_are_refused(converted):
  runner = tflite.LiteRunner(converted.paths[tflite.FLOAT32])
  assert converted.batch['input_ids'].shape[1] > MAX_LEN  # Padded past max_len.
  assert runner.decode(converted.batch).shape == converted.batch['word_positions'].shape
  too_long = {key: np.ones([1, MAX_LEN + 1], np.int32) for key in saved_model.INPUT_KEYS}
  with pytest.raises(ValueError, match='max_len'):
    runner.decode(too_long)
