"""Tests of aioner_tf/plots.py on the committed docs/RESULTS.md and on a tiny inline one, and of
bin/plot_results.py end to end."""

import json
import subprocess
import sys

import pytest

from aioner_tf import plots
from conftest import ROOT

RESULTS_MD = (ROOT / 'docs' / 'RESULTS.md').read_text(encoding='utf-8')

# Experiment 2 has a pending micro cell and a dev F1 paragraph over two lines; experiment 3 is
# missing; experiment 4 has one corpus measured and one pending.
TINY_RESULTS_MD = """\
# Results

## Experiment 1: one corpus

| test | P | R | F1 (ours, small) | F1 (paper, big) |
|---|---|---|---|---|
| Gene | 10.00 | 20.00 | 13.33 | |
| **micro** | 50.00 | 70.00 | **58.33** | 80.00 |

## Experiment 2: all corpora — running

| test | P | R | F1 (ours, small) | F1 (paper, big) |
|---|---|---|---|---|
| micro | pending | pending | pending | 90.5 |

Dev F1 per epoch (from `history.json`): 40.00, 55.25,
**60.50**, 59.00.

## Experiment 4: per corpus

| corpus | task tag | P | R | F1 (ours) | F1 (paper) |
|---|---|---|---|---|---|
| CorpusA | Gene | 1.00 | 2.00 | 1.33 | 92.51 |
| CorpusB | Disease | pending | pending | pending | 85.98 |

## Inference paths

| path | micro F1 |
|---|---|
| micro | 12.34 |

Dev F1 per epoch: 1.00, 2.00.
"""

TINY_BENCHMARKS = {
    'commit': 'abc1234', 'machine': {'cores': 2}, 'size': {'documents': 3},
    'runs': [{'path': 'keras', 'batch_size': 8, 'abstracts_per_second': 6.5},
             {'path': 'keras', 'batch_size': 32, 'abstracts_per_second': 7.3},
             {'path': 'tflite_int8', 'batch_size': 8, 'error': 'out of memory'}],
}


def test_biored_results_of_committed_results_md():
  results = plots.biored_results(RESULTS_MD)
  assert results[0] == plots.Comparison('BioRED only', 78.52, 89.34)
  assert [(r.label, r.paper) for r in results[1:]] == [('AIO (all corpora)', 91.26),
                                                       ('naive merge', 69.96)]


def test_training_curve_of_experiment_1_in_committed_results_md():
  curves = plots.training_curves(RESULTS_MD)
  assert curves['Experiment 1: BioRED only → BioRED test'] == [
      48.18, 66.73, 70.48, 71.67, 76.29, 73.86, 78.33, 76.28, 78.52, 78.72, 78.52, 77.08, 76.78,
      78.18, 77.99]


def test_per_corpus_paper_values_of_committed_results_md():
  results = plots.per_corpus_results(RESULTS_MD)
  assert {r.label: r.paper for r in results} == {
      'NLM-Gene': 92.51, 'GNormPlus': 85.98, 'NCBI-Disease': 89.59, 'BC5CDR-Disease': 87.89,
      'BC5CDR-Chemical': 92.84, 'NLM-Chem': 82.51, 'Linnaeus': 90.63, 'Species-800': 79.67,
      'tmVar3': 90.98, 'BioID': 91.13}


def test_tiny_results_md_missing_values_are_pending():
  assert plots.biored_results(TINY_RESULTS_MD) == [
      plots.Comparison('BioRED only', 58.33, 80.0),
      plots.Comparison('AIO (all corpora)', None, 90.5),
      plots.Comparison('naive merge', None, None)]
  assert plots.per_corpus_results(TINY_RESULTS_MD) == [
      plots.Comparison('CorpusA', 1.33, 92.51), plots.Comparison('CorpusB', None, 85.98)]
  assert plots.training_curves(TINY_RESULTS_MD) == {
      'Experiment 2: all corpora — running': [40.0, 55.25, 60.5, 59.0]}


def test_a_cell_that_is_no_number_is_an_error():
  with pytest.raises(ValueError, match='78,52'):
    plots.biored_results(TINY_RESULTS_MD.replace('**58.33**', '78,52'))


def test_pending_and_failed_are_marked_not_drawn_as_zero():
  figure = plots.comparison_figure(plots.biored_results(TINY_RESULTS_MD), 'title')
  axes = figure.axes[0]
  assert sorted(bar.get_height() for bar in axes.patches) == [58.33, 80.0, 90.5]
  assert [text.get_text() for text in axes.texts].count(plots.PENDING) == 3
  speed = plots.speed_figure(TINY_BENCHMARKS).axes[0]
  assert sorted(bar.get_height() for bar in speed.patches) == [6.5, 7.3]
  assert [text.get_text() for text in speed.texts] == ['6.5', 'failed', '7.3', 'not run']


def test_command_writes_png_and_svg(tmp_path):
  results, benchmarks = tmp_path / 'RESULTS.md', tmp_path / 'benchmarks.json'
  results.write_text(TINY_RESULTS_MD, encoding='utf-8')
  benchmarks.write_text(json.dumps(TINY_BENCHMARKS), encoding='utf-8')
  out = tmp_path / 'img'
  run = subprocess.run([sys.executable, str(ROOT / 'bin' / 'plot_results.py'),
                        f'--results={results}', f'--benchmarks={benchmarks}',
                        f'--output_dir={out}'], capture_output=True, text=True, check=False)
  assert run.returncode == 0, run.stderr
  for name in ('results_biored', 'results_per_corpus', 'speed', 'training_curves'):
    assert (out / f'{name}.png').read_bytes().startswith(b'\x89PNG')
    assert '<svg' in (out / f'{name}.svg').read_text(encoding='utf-8')
