"""Shared test setup: the repository root on sys.path and the location of ../shared."""

import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

TEST_DATA = ROOT / 'tests' / 'data'
SHARED = pathlib.Path(os.environ.get('AIONER_SHARED', ROOT.parent / 'shared'))
CORPORA = SHARED / 'corpora'

import pytest  # pylint: disable=g-import-not-at-top
import tensorflow as tf  # pylint: disable=g-import-not-at-top

# Two logical CPU devices, so MirroredStrategy has two replicas to mirror over. This has to
# happen before TensorFlow runs anything, hence here and not in a fixture.
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices('CPU')[0], [tf.config.LogicalDeviceConfiguration()] * 2)

# A BERT small enough to train in seconds; the vocabulary is MiniLM's (tokenizer only).
TINY_ENCODER_CONFIG = {'model_type': 'bert', 'vocab_size': 30522, 'hidden_size': 32,
                       'num_hidden_layers': 1, 'num_attention_heads': 2,
                       'intermediate_size': 64, 'max_position_embeddings': 512}


@pytest.fixture(scope='session')
def tiny_data(tmp_path_factory):
  """TFRecords of tests/data/tiny_train.PubTator (train = dev = test), prepared once."""
  from aioner_tf.data import corpora, prepare  # pylint: disable=g-import-not-at-top
  from aioner_tf.model import encoder  # pylint: disable=g-import-not-at-top
  out = tmp_path_factory.mktemp('tiny_data')
  corpus_list = out / 'corpora.tsv'
  files = 'tiny_train.PubTator\t' * 3
  corpus_list.write_text('Tiny\tALL\tGene:Gene Chemical:Chemical Disease:Disease '
                         f'CellLine:CellLine Species:Species Variant:Variant\t{files.strip()}\n')
  specs = corpora.read_corpus_list(str(corpus_list))
  tokenizer = encoder.tokenizer_for_encoder(encoder.resolve_encoder_path(encoder.MINILM))
  prepare.prepare(specs, tokenizer, prepare.PrepareConfig(str(TEST_DATA), str(out / 'data')))
  return out / 'data'
