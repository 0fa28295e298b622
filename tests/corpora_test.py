"""Tests for corpus lists, type maps and the seeded dev split."""

import re

import pytest

from conftest import CORPORA, ROOT
from aioner_tf.data import aio, corpora
from aioner_tf.data.document import Document

CORPUS_LIST = ROOT / 'configs' / 'corpora.tsv'


def test_parse_type_map():
  assert corpora.parse_type_map('Gene:Gene|FamilyName  Disease:Disease') == {
      'Gene': 'Gene', 'FamilyName': 'Gene', 'Disease': 'Disease'}
  assert corpora.parse_type_map('') == {}


def _write_list(tmp_path, *lines):
  path = tmp_path / 'corpora.tsv'
  path.write_text('\n'.join(lines) + '\n')
  return path


LINES = ('# name\ttask\ttypes\ttrain\ttest\tdev',
         '',
         'A\tGene\tGene:Gene|FamilyName\ta/train.txt\ta/test.txt\t-',
         'B\tALL\tGene:Gene Chemical:Chemical\t-\tb/test.txt\tb/dev.txt')


def test_read_corpus_list(tmp_path):
  a, b = corpora.read_corpus_list(_write_list(tmp_path, *LINES))
  assert a == corpora.CorpusSpec('A', 'Gene', {'Gene': 'Gene', 'FamilyName': 'Gene'},
                                 'a/train.txt', 'a/test.txt', None)
  assert (b.train, b.test, b.dev) == (None, 'b/test.txt', 'b/dev.txt')
  assert a.types == ('Gene',) and b.types == ('Chemical', 'Gene')


def test_read_corpus_list_by_name_keeps_the_order_asked(tmp_path):
  specs = corpora.read_corpus_list(_write_list(tmp_path, *LINES), names=['B', 'A'])
  assert [s.name for s in specs] == ['B', 'A']


def test_unknown_corpus_name_is_named(tmp_path):
  with pytest.raises(ValueError, match='NoSuchCorpus'):
    corpora.read_corpus_list(_write_list(tmp_path, *LINES), names=['A', 'NoSuchCorpus'])


def test_bad_column_count_names_file_and_line(tmp_path):
  path = _write_list(tmp_path, *LINES, 'C\tGene\tGene:Gene\tc/train.txt\tc/test.txt')
  with pytest.raises(ValueError, match=rf'^{re.escape(str(path))}:5: .*6 .*got 5'):
    corpora.read_corpus_list(path)


def test_a_seventh_column_names_the_file_format(tmp_path):
  path = _write_list(tmp_path, 'P\tPlant\tPlant:Plant\tp/train.txt\tp/test.txt\t-\tppr')
  (spec,) = corpora.read_corpus_list(path)
  assert spec.file_format == 'ppr' and spec.dev is None
  path = _write_list(tmp_path, 'P\tPlant\tPlant:Plant\tp/train.txt\tp/test.txt\t-\tcsv')
  with pytest.raises(ValueError, match=r':1: unknown format .csv.'):
    corpora.read_corpus_list(path)


def test_parse_selection_reads_fractions():
  assert corpora.parse_selection(['AnEM', 'BioRED:0.1', 'BioID:1']) == (
      ['AnEM', 'BioRED', 'BioID'], {'BioRED': 0.1, 'BioID': 1.0})
  for item in ('BioRED:0', 'BioRED:1.5', 'BioRED:a', 'BioRED:'):
    with pytest.raises(ValueError, match='fraction'):
      corpora.parse_selection([item])


OLD_CORPORA = 11


def test_anem_types_are_aioners_in_their_order():
  vocab = CORPORA / 'AIONER_meta' / 'AnEM_label.vocab'
  if not vocab.exists():
    pytest.skip(f'{vocab} is not here (../shared/corpora)')
  (anem,) = [s for s in corpora.read_corpus_list(CORPUS_LIST) if s.name == 'AnEM']
  labels = vocab.read_text().split()
  assert list(anem.type_map.values()) == [l[2:] for l in labels if l.startswith('B-')]


def test_the_project_corpus_list():
  specs = corpora.read_corpus_list(CORPUS_LIST)
  names = [s.name for s in specs]
  assert len(names) == len(set(names)) == OLD_CORPORA + 2
  for spec in specs[:OLD_CORPORA]:  # AIONER's corpora: the six types, AIO's tasks.
    assert spec.task in aio.AIO_TASKS and spec.file_format == corpora.BY_EXTENSION, spec.name
    assert set(spec.type_map.values()) <= set(aio.ENTITY_TYPES), spec.name
    if spec.task != aio.ALL_TASK:
      assert spec.types == (spec.task,), spec.name
  anem, plant = specs[OLD_CORPORA:]
  assert (anem.name, anem.task, anem.file_format) == ('AnEM', 'Anatomy', 'conll_offsets')
  assert (plant.task, plant.type_map, plant.file_format) == ('Plant', {'Plant': 'Plant'}, 'ppr')
  by_name = {s.name: s for s in specs}
  assert by_name['BC5CDR-Chemical'].train == by_name['BC5CDR-Disease'].train
  if CORPORA.is_dir():
    for spec in specs:
      for name in (spec.train, spec.test, spec.dev):
        assert name is None or (CORPORA / name).is_file(), name


def _documents(n):
  return [Document(f'pmid{i}') for i in range(n)]


def _ids(documents):
  return [d.id for d in documents]


def test_split_dev_is_seeded_and_deterministic():
  documents = _documents(200)
  train, dev = corpora.split_dev(documents, 0.1, seed=42)
  assert len(dev) == 20 and len(train) == 180
  assert sorted(_ids(train) + _ids(dev)) == sorted(_ids(documents))
  assert _ids(train) == [i for i in _ids(documents) if i not in set(_ids(dev))]  # File order.
  assert _ids(dev) == sorted(_ids(dev), key=_ids(documents).index)
  again_train, again_dev = corpora.split_dev(documents, 0.1, seed=42)
  assert (_ids(again_train), _ids(again_dev)) == (_ids(train), _ids(dev))
  assert _ids(corpora.split_dev(documents, 0.1, seed=7)[1]) != _ids(dev)


def test_split_dev_depends_on_ids_not_on_order():
  documents = _documents(95)
  _, dev = corpora.split_dev(documents, 0.1, seed=1)
  _, reversed_dev = corpora.split_dev(documents[::-1], 0.1, seed=1)
  assert set(_ids(dev)) == set(_ids(reversed_dev))
  assert len(dev) == round(95 * 0.1)


def test_split_dev_keeps_repeated_ids_together():
  documents = _documents(30) + [Document('pmid3'), Document('pmid17')]
  train, dev = corpora.split_dev(documents, 0.5, seed=3)
  assert not set(_ids(train)) & set(_ids(dev))
  assert len(set(_ids(dev))) == 15


def test_sample_documents_is_seeded_by_id_and_keeps_file_order():
  documents = _documents(200)
  sample = corpora.sample_documents(documents, 0.1, seed=42)
  assert len(sample) == 20
  assert _ids(sample) == [i for i in _ids(documents) if i in set(_ids(sample))]
  assert set(_ids(corpora.sample_documents(documents[::-1], 0.1, seed=42))) == set(_ids(sample))


def test_merge_shared_files_joins_lines_that_read_the_same_files():
  chemical = corpora.CorpusSpec('C-Chemical', 'Chemical', {'Chemical': 'Chemical'}, 'a', 'b', None)
  disease = corpora.CorpusSpec('C-Disease', 'Disease', {'Disease': 'Disease'}, 'a', 'b', None)
  other = corpora.CorpusSpec('Other', 'Gene', {'Gene': 'Gene'}, 'c', 'd', None)
  merged = corpora.merge_shared_files([chemical, other, disease])
  assert [s.name for s in merged] == ['C-Chemical+C-Disease', 'Other']
  assert merged[0].type_map == {'Chemical': 'Chemical', 'Disease': 'Disease'}
