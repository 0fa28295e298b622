"""Tests for strict entity-level evaluation, with expected numbers computed by hand."""

import json

import pytest

from aioner_tf import evaluation
from aioner_tf.data import bioc
from aioner_tf.data import document as document_lib
from aioner_tf.data import pubtator

from conftest import CORPORA


def _doc(doc_id, *spans):
  """A document holding (start, end, type) spans; evaluation needs no text."""
  return document_lib.Document(
      doc_id, annotations=[document_lib.Span(start, end, entity_type)
                           for start, end, entity_type in spans])


def _counts(scores):
  return scores.tp, scores.fp, scores.fn


def test_scores_are_zero_when_undefined():
  scores = evaluation.Scores()
  assert (scores.precision, scores.recall, scores.f1) == (0.0, 0.0, 0.0)


def test_exact_match():
  gold = [_doc('d1', (0, 5, 'Gene'), (10, 15, 'Disease'))]
  pred = [_doc('d1', (10, 15, 'Disease'), (0, 5, 'Gene'))]
  result = evaluation.evaluate(gold, pred)
  assert _counts(result.micro) == (2, 0, 0)
  assert (result.micro.precision, result.micro.recall, result.micro.f1) == (1.0, 1.0, 1.0)


def test_boundary_off_by_one_is_one_fp_and_one_fn():
  result = evaluation.evaluate([_doc('d1', (0, 5, 'Gene'))], [_doc('d1', (0, 6, 'Gene'))])
  assert _counts(result.micro) == (0, 1, 1)
  assert result.micro.f1 == 0.0


def test_type_mismatch_is_one_fp_and_one_fn():
  result = evaluation.evaluate([_doc('d1', (0, 5, 'Gene'))], [_doc('d1', (0, 5, 'Chemical'))])
  assert _counts(result.micro) == (0, 1, 1)
  assert _counts(result.per_type['Gene']) == (0, 0, 1)
  assert _counts(result.per_type['Chemical']) == (0, 1, 0)


def test_empty_gold_makes_every_prediction_a_false_positive():
  result = evaluation.evaluate([_doc('d1')], [_doc('d1', (0, 5, 'Gene'), (6, 9, 'Gene'))])
  assert _counts(result.micro) == (0, 2, 0)
  assert (result.micro.precision, result.micro.recall, result.micro.f1) == (0.0, 0.0, 0.0)


def test_empty_predictions():
  result = evaluation.evaluate([_doc('d1', (0, 5, 'Gene'))], [_doc('d1')])
  assert _counts(result.micro) == (0, 0, 1)
  assert (result.micro.precision, result.micro.recall, result.micro.f1) == (0.0, 0.0, 0.0)


def test_no_entities_at_all():
  result = evaluation.evaluate([_doc('d1')], [_doc('d1')])
  assert _counts(result.micro) == (0, 0, 0)
  assert result.per_type == {}


def test_duplicate_predictions_count_once():
  gold = [_doc('d1', (0, 5, 'Gene'))]
  pred = [_doc('d1', (0, 5, 'Gene'), (0, 5, 'Gene'), (7, 9, 'Gene'), (7, 9, 'Gene'))]
  result = evaluation.evaluate(gold, pred)
  assert _counts(result.micro) == (1, 1, 0)


def test_documents_with_the_same_id_are_merged():
  gold = [_doc('d1', (0, 5, 'Gene')), _doc('d2', (1, 2, 'Gene')), _doc('d1', (7, 9, 'Gene'))]
  pred = [_doc('d1', (0, 5, 'Gene'), (7, 9, 'Gene')), _doc('d2', (1, 2, 'Gene'))]
  assert _counts(evaluation.evaluate(gold, pred).micro) == (3, 0, 0)


def test_types_restricts_both_sides():
  gold = [_doc('d1', (0, 5, 'Gene'), (10, 15, 'Disease'), (20, 25, 'Chemical'))]
  pred = [_doc('d1', (0, 5, 'Gene'), (10, 16, 'Disease'), (30, 35, 'Chemical'))]
  result = evaluation.evaluate(gold, pred, types=['Disease'])
  assert list(result.per_type) == ['Disease']
  assert _counts(result.micro) == (0, 1, 1)


def test_requested_type_without_entities_gets_a_row():
  result = evaluation.evaluate([_doc('d1', (0, 5, 'Gene'))], [_doc('d1', (0, 5, 'Gene'))],
                               types=['Gene', 'Variant'])
  assert list(result.per_type) == ['Gene', 'Variant']
  assert _counts(result.per_type['Variant']) == (0, 0, 0)
  assert _counts(result.micro) == (1, 0, 0)


def test_type_map_renames_and_drops_on_both_sides():
  type_map = {'GeneOrGeneProduct': 'Gene', 'SpecificDisease': 'Disease', 'DomainMotif': None}
  gold = [_doc('d1', (0, 5, 'GeneOrGeneProduct'), (10, 15, 'SpecificDisease'),
               (20, 25, 'DomainMotif'))]
  pred = [_doc('d1', (0, 5, 'Gene'), (10, 15, 'SpecificDisease'), (30, 35, 'DomainMotif'))]
  result = evaluation.evaluate(gold, pred, type_map=type_map)
  assert sorted(result.per_type) == ['Disease', 'Gene']
  assert _counts(result.micro) == (2, 0, 0)
  without_map = evaluation.evaluate(gold, pred)
  assert _counts(without_map.micro) == (1, 2, 2)


def test_types_are_named_after_the_type_map():
  gold = [_doc('d1', (0, 5, 'SpecificDisease'), (6, 9, 'GeneOrGeneProduct'))]
  pred = [_doc('d1', (0, 5, 'Disease'), (6, 9, 'Gene'))]
  result = evaluation.evaluate(gold, pred, types=['Disease'],
                               type_map=evaluation.AIONER_TYPE_MAP)
  assert list(result.per_type) == ['Disease']
  assert _counts(result.micro) == (1, 0, 0)


def test_builtin_map_covers_the_corpora_types():
  type_map = evaluation.AIONER_TYPE_MAP
  assert set(type_map.values()) == {'Gene', 'Chemical', 'Disease', 'Species', 'Variant',
                                    'CellLine', None}
  assert type_map['Modifier'] == 'Disease'
  assert type_map['FamilyName'] == 'Gene'
  assert type_map['Cell'] is None
  assert type_map['AcidChange'] == 'Variant'


def test_document_missing_from_predictions_raises():
  with pytest.raises(ValueError, match=r'1 document id\(s\) missing from predictions: d2'):
    evaluation.evaluate([_doc('d1'), _doc('d2')], [_doc('d1')])


def test_document_missing_from_gold_raises():
  with pytest.raises(ValueError, match=r'1 document id\(s\) missing from gold: extra'):
    evaluation.evaluate([_doc('d1')], [_doc('d1'), _doc('extra')])


def test_missing_ids_message_shows_at_most_ten():
  gold = [_doc(f'g{i:02d}') for i in range(12)]
  with pytest.raises(ValueError) as info:
    evaluation.evaluate(gold, [])
  message = str(info.value)
  assert '12 document id(s) missing from predictions' in message
  assert 'g09' in message and 'g10' not in message and '...' in message


def _two_type_case():
  gold = [_doc('d1', (0, 5, 'Gene'), (10, 15, 'Disease'), (20, 25, 'Gene')),
          _doc('d2', (0, 4, 'Disease'), (5, 9, 'Gene'))]
  pred = [_doc('d1', (0, 5, 'Gene'), (10, 15, 'Gene'), (20, 26, 'Gene')),
          _doc('d2', (0, 4, 'Disease'), (5, 9, 'Gene'), (30, 35, 'Disease'))]
  return evaluation.evaluate(gold, pred)


def test_per_type_and_micro_by_hand():
  result = _two_type_case()
  # Gene: TP d1 0-5, d2 5-9; FP d1 10-15 (wrong type), d1 20-26 (wrong end); FN d1 20-25.
  gene = result.per_type['Gene']
  assert _counts(gene) == (2, 2, 1)
  assert gene.precision == pytest.approx(1 / 2)
  assert gene.recall == pytest.approx(2 / 3)
  assert gene.f1 == pytest.approx(4 / 7)
  # Disease: TP d2 0-4; FP d2 30-35; FN d1 10-15 (predicted as Gene).
  disease = result.per_type['Disease']
  assert _counts(disease) == (1, 1, 1)
  assert (disease.precision, disease.recall, disease.f1) == pytest.approx((0.5, 0.5, 0.5))
  micro = result.micro
  assert _counts(micro) == (3, 3, 2)
  assert micro.precision == pytest.approx(3 / 6)
  assert micro.recall == pytest.approx(3 / 5)
  assert micro.f1 == pytest.approx(6 / 11)


def test_format_table():
  lines = evaluation.format_table(_two_type_case()).splitlines()
  assert lines[0].split() == ['type', 'tp', 'fp', 'fn', 'P', 'R', 'F1']
  assert lines[1].split() == ['Disease', '1', '1', '1', '50.00', '50.00', '50.00']
  assert lines[2].split() == ['Gene', '2', '2', '1', '50.00', '66.67', '57.14']
  assert lines[-1].split() == ['micro', '3', '3', '2', '50.00', '60.00', '54.55']


def test_to_dict_is_json_able():
  data = json.loads(json.dumps(evaluation.to_dict(_two_type_case())))
  assert data['micro']['tp'] == 3
  assert data['micro']['f1'] == pytest.approx(6 / 11)
  assert data['per_type']['Gene'] == {'tp': 2, 'fp': 2, 'fn': 1, 'precision': 0.5,
                                      'recall': pytest.approx(2 / 3), 'f1': pytest.approx(4 / 7)}


def test_evaluates_parsed_pubtator():
  gold = pubtator.parse_pubtator('1|t|BRCA1 in cancer\n1|a|\n1\t0\t5\tBRCA1\tGene\n'
                                 '1\t9\t15\tcancer\tDisease\n')
  pred = pubtator.parse_pubtator('1|t|BRCA1 in cancer\n1|a|\n1\t0\t5\tBRCA1\tGene\n')
  assert _counts(evaluation.evaluate(gold, pred).micro) == (1, 0, 1)


def test_read_documents_reads_bioc_by_extension_and_refuses_plain_text(tmp_path):
  docs = pubtator.parse_pubtator('1|t|BRCA1 in cancer\n1|a|\n1\t0\t5\tBRCA1\tGene\n')
  bioc.write_bioc_xml(docs, tmp_path / 'Test.BioC.XML')
  bioc.write_bioc_json(docs, tmp_path / 'Test.BioC.JSON')
  assert evaluation.read_documents(str(tmp_path / 'Test.BioC.XML')) == docs
  assert evaluation.read_documents(str(tmp_path / 'Test.BioC.JSON')) == docs
  (tmp_path / 'notes.txt').write_text('BRCA1 in cancer')
  with pytest.raises(ValueError, match='plain text'):
    evaluation.read_documents(str(tmp_path / 'notes.txt'))


def test_real_biored_test_against_itself():
  path = CORPORA / 'BioRED' / 'Test.PubTator'
  if not path.exists():
    pytest.skip(f'{path} not found')
  docs = evaluation.read_documents(str(path))
  raw = evaluation.evaluate(docs, docs)
  assert raw.micro.fn == 0 and raw.micro.fp == 0 and raw.micro.tp > 0
  assert raw.micro.f1 == 1.0
  mapped = evaluation.evaluate(docs, docs, type_map=evaluation.AIONER_TYPE_MAP)
  assert sorted(mapped.per_type) == ['CellLine', 'Chemical', 'Disease', 'Gene', 'Species',
                                     'Variant']
  assert mapped.micro.f1 == 1.0
  assert all(scores.f1 == 1.0 for scores in mapped.per_type.values())
