"""Measures abstracts/s, subwords/s, peak memory, load time and F1 of each inference path.

  python bin/benchmark.py --model_dir=RUN_DIR/best --export_dir=/tmp/aioner_export \
      [--batch_sizes=8,32] [--repeats=3] [--paths=keras,saved_model,tflite_fp32,tflite_int8] \
      [--train_data=DATA_DIR]

Tags --gold (by default the 100 BioRED test abstracts) with every path at every batch size,
each in a process of its own, and writes docs/BENCHMARKS.md and the raw docs/benchmarks.json.
The SavedModel and TFLite models are exported to --export_dir unless already there. With
--train_data (a bin/prepare_data.py output directory) it also times training steps, in each of
--train_precisions (float32 and mixed bfloat16 by default). Run it on
an otherwise idle machine: other work on the cores slows every path.
"""

import json
import pathlib
import shlex
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf import benchmark
from aioner_tf import evaluation
from aioner_tf.data.tokenizer import SubwordTokenizer
from aioner_tf.model import precision
from aioner_tf.tagging import tagger as tagger_lib

FLAGS = flags.FLAGS
flags.DEFINE_string('model_dir', str(tagger_lib.DEFAULT_MODEL_DIR), 'Trained model directory '
                    '(model_config.json, weights, tokenizer/).')
flags.DEFINE_string('export_dir', None, 'Where the SavedModel (saved_model/) and the TFLite '
                    'models (tflite_batchN/) are, or are exported to if missing.', required=True)
flags.DEFINE_string('gold', '../shared/corpora/BioRED/BioRED_Test.PubTator',
                    'Annotated documents to tag and score (PubTator, BioC XML or BioC JSON).')
flags.DEFINE_list('batch_sizes', ['8', '32'], 'Batch sizes to measure each path at.')
flags.DEFINE_integer('repeats', 3, 'Timed runs per measurement; the median is reported.',
                     lower_bound=1)
flags.DEFINE_list('paths', list(benchmark.PATHS), 'Inference paths to measure.')
flags.DEFINE_integer('num_threads', benchmark.Options.num_threads,
                     'Threads of the TFLite interpreter (default: the cores available).')
flags.DEFINE_string('train_data', None, 'If set, a bin/prepare_data.py output directory whose '
                    'train/*.tfrecord are used to time training steps.')
flags.DEFINE_integer('train_batch_size', 32, 'Batch size of the timed training steps.')
flags.DEFINE_integer('train_steps', 20, 'Training steps per timed run.', lower_bound=1)
flags.DEFINE_list('train_precisions', list(precision.POLICIES),
                  'Precisions to time training in (model/precision.py).')
flags.DEFINE_string('output', 'docs/BENCHMARKS.md', 'The Markdown report.')
flags.DEFINE_string('json_output', 'docs/benchmarks.json', 'The raw measurements.')
flags.DEFINE_string('plot_dir', 'docs/img', 'Where the speed plot (speed.png, speed.svg) is '
                    'drawn; empty: none. bin/plot_results.py draws it too, with the other plots.')
flags.DEFINE_enum('path', None, [*benchmark.PATHS, benchmark.TRAIN],
                  'Internal: the one measurement this child process makes.')
flags.DEFINE_integer('batch_size', None, 'Internal: the batch size of --path.')
flags.register_validator('train_precisions',
                         lambda names: set(names) <= set(precision.POLICIES),
                         f'--train_precisions must be some of {",".join(precision.POLICIES)}')
flags.register_validator('paths', lambda paths: set(paths) <= set(benchmark.PATHS),
                         f'--paths must be some of {",".join(benchmark.PATHS)}')
flags.register_validator('batch_sizes', lambda sizes: all(s.isdigit() and int(s) > 0
                                                          for s in sizes),
                         '--batch_sizes must be positive integers')


def main(argv):
  del argv  # Unused.
  options = benchmark.Options(FLAGS.model_dir, FLAGS.export_dir, FLAGS.gold, FLAGS.repeats,
                              FLAGS.num_threads, FLAGS.train_data, FLAGS.train_batch_size,
                              FLAGS.train_steps, FLAGS.train_precisions[0])
  if FLAGS.path == benchmark.TRAIN:  # The child times the first of --train_precisions.
    print(json.dumps(benchmark.measure_training(options)))
    return
  if FLAGS.path:
    if FLAGS.batch_size is None:
      raise app.UsageError('--path needs --batch_size')
    print(json.dumps(benchmark.measure_path(FLAGS.path, FLAGS.batch_size, options)))
    return
  batch_sizes = [int(size) for size in FLAGS.batch_sizes]
  benchmark.prepare_exports(options, FLAGS.paths, batch_sizes)
  tokenizer = SubwordTokenizer.load(str(pathlib.Path(FLAGS.model_dir) / 'tokenizer'))
  size = benchmark.text_size(evaluation.read_documents(FLAGS.gold), tokenizer)

  def child(*child_flags):
    return benchmark.run_child([sys.executable, __file__, *sys.argv[1:], *child_flags])

  runs = []
  for path in FLAGS.paths:
    for batch_size in batch_sizes:
      run = {'path': path, 'batch_size': batch_size,
             **child(f'--path={path}', f'--batch_size={batch_size}')}
      runs.append(benchmark.with_rates(run, size))
      print(benchmark.format_row(runs[-1]), flush=True)
  report = {'command': 'python bin/benchmark.py ' + shlex.join(sys.argv[1:]),
            'commit': benchmark.git_commit(ROOT), 'machine': benchmark.machine(),
            'gold': FLAGS.gold, 'size': size, 'repeats': FLAGS.repeats,
            'json': FLAGS.json_output, 'runs': runs,
            'training': [{'path': benchmark.TRAIN, 'batch_size': FLAGS.train_batch_size,
                          'steps': FLAGS.train_steps, 'precision': name,
                          **child(f'--path={benchmark.TRAIN}', f'--train_precisions={name}')}
                         for name in (FLAGS.train_precisions if FLAGS.train_data else [])]}
  for path, text in ((FLAGS.json_output, json.dumps(report, indent=1) + '\n'),
                     (FLAGS.output, benchmark.format_markdown(report))):
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(path).write_text(text, encoding='utf-8')
  print(f'Written {FLAGS.output} and {FLAGS.json_output}')
  if FLAGS.plot_dir:
    from aioner_tf import plots  # pylint: disable=g-import-not-at-top
    # Here, not at the top: each measurement runs this script, and matplotlib would count in its
    # memory and load time.
    pathlib.Path(FLAGS.plot_dir).mkdir(parents=True, exist_ok=True)
    for path in plots.save(plots.speed_figure(report), pathlib.Path(FLAGS.plot_dir) / 'speed'):
      print(f'Written {path}')


if __name__ == '__main__':
  app.run(main)
