"""Tests of precision per score bucket (evaluation.calibration) and bin/evaluate.py
--score_buckets, with counts worked out by hand."""

import subprocess
import sys

import pytest

from aioner_tf import evaluation
from aioner_tf.data import bioc
from aioner_tf.data.document import Document, Passage, Span
from conftest import ROOT

TEXT = 'BRCA1 and TP53 in breast cancer with aspirin.'
GOLD = [Document('1', [Passage(0, TEXT)], [Span(0, 5, 'Gene'), Span(10, 14, 'Gene'),
                                           Span(18, 31, 'Disease')])]


def _scored(start, end, entity_type, score):
  return Span(start, end, entity_type, TEXT[start:end], infons=(('score', score),))


# Bucket [0, 0.5): aspirin (wrong). [0.5, 0.9): cancer (wrong bounds), TP53 (right).
# [0.9, 1]: BRCA1 (right, twice: counted once), breast cancer (right, 1.0 is in the last bucket).
PRED = [Document('1', [Passage(0, TEXT)], [
    _scored(0, 5, 'Gene', '0.9500'), _scored(0, 5, 'Gene', '0.9500'),
    _scored(10, 14, 'Gene', '0.6000'), _scored(25, 31, 'Disease', '0.7000'),
    _scored(18, 31, 'Disease', '1.0000'), _scored(37, 44, 'Chemical', '0.1000')])]


def test_precision_per_score_bucket():
  buckets = evaluation.calibration(GOLD, PRED, [0, 0.5, 0.9, 1])
  assert [(b.low, b.high, b.count, b.tp) for b in buckets] == [
      (0, 0.5, 1, 0), (0.5, 0.9, 2, 1), (0.9, 1, 2, 2)]
  assert [b.precision for b in buckets] == [0.0, 0.5, 1.0]
  assert buckets[1].mean_score == pytest.approx(0.65)
  assert evaluation.format_calibration(buckets).splitlines()[1:] == [
      '[0, 0.5)             1       0   0.100    0.00',
      '[0.5, 0.9)           2       1   0.650   50.00',
      '[0.9, 1]             2       2   0.975  100.00']


def test_types_and_type_map_apply_as_in_evaluate():
  buckets = evaluation.calibration(GOLD, PRED, [0, 1], types=['Gene'])
  assert (buckets[0].count, buckets[0].tp) == (2, 2)


@pytest.mark.parametrize('edges', [[0.5], [0, 0.9, 0.5]])
def test_edges_must_increase(edges):
  with pytest.raises(ValueError, match='increasing'):
    evaluation.calibration(GOLD, PRED, edges)


def test_predictions_without_scores_are_an_error():
  unscored = [Document('1', [Passage(0, TEXT)], [Span(0, 5, 'Gene')])]
  with pytest.raises(ValueError, match='has no score'):
    evaluation.calibration(GOLD, unscored, [0, 1])


def test_evaluate_prints_the_calibration_table(tmp_path):
  bioc.write_bioc_json(GOLD, tmp_path / 'gold.json')
  bioc.write_bioc_json(PRED, tmp_path / 'pred.json')
  run = subprocess.run([sys.executable, str(ROOT / 'bin' / 'evaluate.py'),
                        f'--gold={tmp_path / "gold.json"}', f'--pred={tmp_path / "pred.json"}',
                        '--score_buckets=0,0.5,0.9,1'],
                       capture_output=True, text=True, cwd=tmp_path, check=False)
  assert run.returncode == 0, run.stderr
  assert run.stdout.splitlines()[-3:] == evaluation.format_calibration(
      evaluation.calibration(GOLD, PRED, [0, 0.5, 0.9, 1])).splitlines()[1:]
  assert '[0.9, 1]             2       2   0.975  100.00' in run.stdout
