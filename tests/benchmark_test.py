"""Tests of bin/benchmark.py, run end to end once on a tiny random model and three documents.

Only the report's structure and the paths' agreement are checked, never timings.
"""

import json
import subprocess
import sys

import pytest

from aioner_tf import benchmark
from aioner_tf.data import pubtator
from aioner_tf.export import tflite
from aioner_tf.model import precision
from conftest import ROOT, TEST_DATA
from saved_model_test import tiny_model_dir

BATCH_SIZE = 4


@pytest.fixture(scope='module')
def run(tmp_path_factory, tiny_data):
  """The benchmark's output directory, after one run with every path and training."""
  root = tmp_path_factory.mktemp('benchmark')
  gold = root / 'gold.PubTator'
  pubtator.write_pubtator(list(pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator'))[:3],
                          gold)
  options = benchmark.Options(str(tiny_model_dir(root / 'model')), str(root / 'export'),
                              str(gold), repeats=1)
  subprocess.run([sys.executable, str(ROOT / 'bin' / 'benchmark.py'),
                  f'--model_dir={options.model_dir}', f'--export_dir={options.export_dir}',
                  f'--gold={gold}', f'--batch_sizes={BATCH_SIZE}', '--repeats=1',
                  f'--train_data={tiny_data}', '--train_batch_size=4', '--train_steps=2',
                  f'--output={root / "BENCHMARKS.md"}',
                  f'--json_output={root / "benchmarks.json"}', f'--plot_dir={root / "img"}'],
                 cwd=ROOT, check=True, capture_output=True)
  return root, options


def test_every_path_is_measured_and_scored(run):
  root, _ = run
  report = json.loads((root / 'benchmarks.json').read_text())
  assert [(r['path'], r['batch_size']) for r in report['runs']] == [
      (path, BATCH_SIZE) for path in benchmark.PATHS]
  assert report['size']['documents'] == 3
  assert all((root / 'img' / f'speed.{ext}').stat().st_size > 0 for ext in ('png', 'svg'))
  assert report['size']['subwords'] >= report['size']['words'] > 0
  for measured in report['runs']:
    assert 'error' not in measured, measured
    assert len(measured['seconds']) == 1
    assert measured['peak_rss_mib'] > 0 and measured['subwords_per_second'] > 0
    assert all(0 <= measured[key] <= 1 for key in ('precision', 'recall', 'f1'))
  assert [run['precision'] for run in report['training']] == list(precision.POLICIES)
  for training in report['training']:
    assert 'error' not in training, training
    assert (training['steps'], training['batch_size']) == (2, 4)
    assert training['steps_per_second'] > 0
  assert report['machine']['cores'] >= 1 and report['commit']


def test_markdown_has_a_row_per_path_training_and_the_paper_todo(run):
  root, _ = run
  markdown = (root / 'BENCHMARKS.md').read_text()
  for path in benchmark.PATHS:
    assert f'| {path} | {BATCH_SIZE} |' in markdown
  assert '## Training' in markdown and 'steps/s' in markdown
  for name in precision.POLICIES:
    assert f'| {name} | ' in markdown
  assert 'TODO: fill in from the paper' in markdown
  assert 'python bin/benchmark.py --model_dir=' in markdown


def test_exports_are_made_once_in_the_export_directory(run):
  _, options = run
  assert (benchmark.saved_model_dir(options.export_dir) / 'saved_model.pb').exists()
  files = [benchmark.tflite_file(options.export_dir, BATCH_SIZE, quantization)
           for quantization in tflite.QUANTIZATIONS]
  times = [path.stat().st_mtime_ns for path in files]
  benchmark.prepare_exports(options, benchmark.PATHS, [BATCH_SIZE])
  assert [path.stat().st_mtime_ns for path in files] == times


def test_tflite_float32_and_serving_default_tag_as_keras_does(run):
  _, options = run
  documents = list(pubtator.read_pubtator(options.gold))
  def spans(tagged):  # Keras spans carry a score infon, TFLite ones none.
    return [[(s.start, s.end, s.type) for s in doc.annotations] for doc in tagged]

  keras = spans(benchmark.load_path(benchmark.KERAS, BATCH_SIZE, options)(documents))
  assert any(keras)
  assert spans(benchmark.load_path('tflite_fp32', BATCH_SIZE, options)(documents)) == keras
  assert spans(benchmark.load_path(benchmark.SERVING_DEFAULT, BATCH_SIZE, options)(documents)
               ) == keras


def test_a_failed_measurement_becomes_a_row_not_a_crash():
  failed = benchmark.run_child([sys.executable, '-c', 'raise SystemExit("no model here")'])
  assert failed == {'error': 'no model here'}
  assert benchmark.format_row({'path': 'keras', 'batch_size': 8, **failed}) == (
      '| keras | 8 | failed: no model here | | | | |')


def test_summary_compares_the_fastest_path_with_float32():
  def measured(path, rate, f1):
    return {'path': path, 'batch_size': 8, 'abstracts_per_second': rate, 'f1': f1,
            'subwords_per_second': 100 * rate, 'peak_rss_mib': 500, 'load_seconds': 1}

  report = {'machine': {'cpu': 'CPU', 'cores': 2, 'memory_gib': 8.0, 'python': '3.11',
                        'tensorflow': '2.15', 'ai_edge_litert': '2.3'},
            'size': {'documents': 100, 'words': 24087, 'subwords': 42215}, 'json': 'b.json',
            'command': 'python bin/benchmark.py', 'commit': 'abc', 'gold': 'g', 'repeats': 3,
            'runs': [measured('tflite_fp32', 12.0, 0.801), measured('tflite_int8', 30.0, 0.7945)],
            'training': []}
  markdown = benchmark.format_markdown(report)
  assert ('Fastest path: `tflite_int8` at batch 8, 30.0 abstracts/s on 2 cores '
          '(target ≥ 20: met)') in markdown
  assert 'Its F1 minus the float32 F1: -0.65 points (target within 0.5: not met)' in markdown
  assert '| this repository, `tflite_int8` batch 8 | 2 | 30.0 | 15.0 |' in markdown
