"""Exports a trained model as a SavedModel for TF Serving, and optionally as TFLite models.

  python bin/export.py --model_dir=runs/aio/best --export_dir=exported/aioner/1 [--tflite]

The SavedModel has the signatures `serving_default` (subword ids) and `tag_text` (raw text);
see docs/SERVING.md. --tflite also writes aioner_float32.tflite and aioner_int8.tflite.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf.export import saved_model
from aioner_tf.export import tflite

FLAGS = flags.FLAGS
flags.DEFINE_string('model_dir', None, 'Trained model: weights, model_config.json, tokenizer/.',
                    required=True)
flags.DEFINE_string('export_dir', None, 'SavedModel directory, <base_path>/<version> for TF '
                    'Serving, e.g. exported/aioner/1.', required=True)
flags.DEFINE_bool('tflite', False, 'Also write float32 and int8 TFLite models.')
flags.DEFINE_string('tflite_dir', None, 'Where the TFLite models go; default: a tflite/ folder '
                    'beside the base path (outside the folder TF Serving scans for versions).')
flags.DEFINE_integer('tflite_batch_size', 8, 'The static batch size of the TFLite models.')


def main(argv):
  del argv  # Unused.
  saved_model.export_saved_model(FLAGS.model_dir, FLAGS.export_dir)
  print(f'SavedModel written to {FLAGS.export_dir}')
  if FLAGS.tflite:
    base_path = pathlib.Path(FLAGS.export_dir).resolve().parent
    tflite_dir = FLAGS.tflite_dir or base_path.parent / 'tflite'
    for quantization, path in tflite.export_tflite(FLAGS.model_dir, tflite_dir,
                                                   FLAGS.tflite_batch_size).items():
      print(f'TFLite {quantization} written to {path} ({path.stat().st_size / 2**20:.1f} MiB)')


if __name__ == '__main__':
  app.run(main)
