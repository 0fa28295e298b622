"""Tests of choosing non-overlapping spans by preference, and of writing overlapping ones."""

import pytest

from aioner_tf import evaluation
from aioner_tf.data import formats
from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.tagging import overlaps


def test_earlier_preferred_spans_win_and_output_is_in_text_order():
  gene, disease, chemical = Span(0, 5, 'Gene'), Span(3, 10, 'Disease'), Span(10, 12, 'Chemical')
  assert overlaps.select([disease, gene, chemical], per_type=False) == [disease, chemical]
  assert overlaps.select([gene, disease, chemical], per_type=False) == [gene, chemical]


def test_per_type_allows_overlaps_across_types_only():
  gene, disease, gene_inside = Span(0, 5, 'Gene'), Span(0, 12, 'Disease'), Span(2, 4, 'Gene')
  assert overlaps.select([gene, disease, gene_inside], per_type=True) == [gene, disease]
  assert overlaps.select([gene, disease, gene_inside], per_type=False) == [gene]


def test_a_repeated_span_is_kept_once_and_touching_spans_both():
  assert overlaps.select([Span(0, 5, 'Gene'), Span(0, 5, 'Gene'), Span(5, 7, 'Gene')],
                         per_type=True) == [Span(0, 5, 'Gene'), Span(5, 7, 'Gene')]


def test_coverage_is_free_beyond_its_size():
  coverage = overlaps.Coverage(5, per_type=False)
  coverage.add(Span(0, 5, 'Gene'))
  assert not coverage.is_free(4, 6) and coverage.is_free(5, 9)


@pytest.mark.parametrize('fmt', [formats.PUBTATOR, formats.BIOC_XML, formats.BIOC_JSON])
def test_writers_and_evaluation_keep_overlapping_spans(tmp_path, fmt):
  text = 'TNF deficiency in mice.'
  spans = [Span(0, 3, 'Gene', 'TNF'), Span(0, 14, 'Disease', 'TNF deficiency'),
           Span(18, 22, 'Species', 'mice')]
  doc = Document('1', [Passage(0, text)], spans)
  path = tmp_path / f'out{formats.EXTENSIONS[fmt]}'
  formats.write_documents([doc], path, fmt)
  [again] = formats.read_documents(path)
  assert [(s.start, s.end, s.type) for s in again.annotations] == [
      (s.start, s.end, s.type) for s in spans]
  result = evaluation.evaluate([doc], [again])
  assert (result.micro.tp, result.micro.fp, result.micro.fn) == (3, 0, 0)
