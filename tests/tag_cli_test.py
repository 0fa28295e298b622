"""Runs bin/tag.py once as a subprocess on tests/data/tiny_train.PubTator with a tiny model."""

import subprocess
import sys

from aioner_tf.data import bioc
from aioner_tf.data import pubtator
from aioner_tf.tagging import confidence
from aioner_tf.tagging import postprocess
from aioner_tf.tagging import tagger as tagger_lib
from conftest import ROOT, TEST_DATA
from tagger_test import ANATOMY_TASKS, save_merge_model, save_tiny_model


def test_tags_a_pubtator_file_into_a_folder(tmp_path):
  model_dir = save_tiny_model(tmp_path / 'model')
  source = TEST_DATA / 'tiny_train.PubTator'
  run = subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'tag.py'), f'--model_dir={model_dir}',
       f'--input={source}', f'--output={tmp_path / "tagged"}', '--chunk_size=3',
       f'--html={tmp_path / "view.html"}', f'--gold={source}'],
      capture_output=True, text=True, cwd=tmp_path, check=False)
  assert run.returncode == 0, run.stderr
  assert 'documents/s' in run.stderr
  ids = [doc.id for doc in pubtator.read_pubtator(source)]
  assert f'documents read: {len(ids)}\n' in run.stdout
  assert f'documents written: {len(ids)}\n' in run.stdout
  tagged = list(pubtator.read_pubtator(tmp_path / 'tagged' / 'tiny_train.PubTator', strict=True))
  assert [doc.id for doc in tagged] == ids
  assert sorted(p.name for p in (tmp_path / 'tagged').iterdir()) == ['tiny_train.PubTator']
  page = (tmp_path / 'view.html').read_text()
  assert all(f'<h2>{doc_id} ' in page for doc_id in ids)  # Every document is on the page.
  gold_mentions = sum(len(doc.annotations) for doc in pubtator.read_pubtator(source))
  predicted = sum(len(doc.annotations) for doc in tagged)
  assert page.count('<mark') >= max(gold_mentions, predicted)  # TP/FP/FN are all marked.


def test_rule_and_score_flags_reach_the_tagger(tmp_path):
  model_dir = save_tiny_model(tmp_path / 'model')
  source = TEST_DATA / 'tiny_train.PubTator'
  output = tmp_path / 'tagged.json'
  run = subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'tag.py'), f'--model_dir={model_dir}',
       f'--input={source}', f'--output={output}', '--noabbreviations', '--consistency',
       '--min_score=0.1', '--overlapping'],
      capture_output=True, text=True, cwd=tmp_path, check=False)
  assert run.returncode == 0, run.stderr
  options = postprocess.Options(abbreviations=False, consistency=True, min_score=0.1,
                                overlapping=True)
  expected = tagger_lib.Tagger.load(model_dir, options=options).tag_documents(
      list(pubtator.read_pubtator(source))).documents
  assert list(bioc.read_bioc_json(output)) == expected
  scores = [confidence.score_of(span) for doc in expected for span in doc.annotations]
  assert scores and min(scores) >= 0.1  # The random model scores 0.06 to 0.14.


def test_a_merge_model_tags_a_file_that_bin_evaluate_scores(tmp_path):
  model_dir = save_merge_model(tmp_path)
  gold = tmp_path / 'data' / 'test_gold' / 'Tiny.PubTator'
  output = tmp_path / 'pred.PubTator'
  tag = subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'tag.py'), f'--model_dir={model_dir}',
       f'--input={gold}', f'--output={output}'],
      capture_output=True, text=True, cwd=tmp_path, check=False)
  assert tag.returncode == 0, tag.stderr
  expected = tagger_lib.Tagger.load(model_dir).tag_documents(
      list(pubtator.read_pubtator(gold))).documents
  spans = lambda docs: [(s.start, s.end, s.type) for doc in docs for s in doc.annotations]
  assert spans(expected)  # The random model predicts some entities.
  assert spans(pubtator.read_pubtator(output)) == spans(expected)
  evaluate = subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'evaluate.py'), f'--gold={gold}', f'--pred={output}'],
      capture_output=True, text=True, cwd=tmp_path, check=False)
  assert evaluate.returncode == 0, evaluate.stderr
  assert 'micro' in evaluate.stdout


def test_types_the_model_does_not_know_are_a_usage_error(tmp_path):
  model_dir = save_tiny_model(tmp_path / 'model', ANATOMY_TASKS)
  run = subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'tag.py'), f'--model_dir={model_dir}',
       f'--input={TEST_DATA / "tiny_train.PubTator"}', f'--output={tmp_path / "out"}',
       '--entity_types=Cell,Protein'],
      capture_output=True, text=True, cwd=tmp_path, check=False)
  assert run.returncode != 0
  assert "unknown entity types ['Protein']" in run.stderr and "'Anatomy'" in run.stderr
  assert not (tmp_path / 'out').exists()
