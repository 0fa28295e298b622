"""Tests of the PPR corpus reader: sentences joined into abstracts, offsets, bad lines."""

import warnings

import pytest

from aioner_tf.data import ppr
from aioner_tf.data.document import Span
from aioner_tf.data.errors import MalformedInputError, MalformedInputWarning

TWO_ABSTRACTS = (
    '111_1\tAsthma induced by potato.\n'
    '111\t0\t6\tAsthma\tNegative_phenotype\n'
    '111\t18\t24\tpotato\tPlant\n'
    '111\tIncrease\t0\t6\tAsthma\tNegative_phenotype\t18\t24\tpotato\tPlant\n'
    '\n'
    '111_2\tPotato helps.\n'
    '111\t0\t6\tPotato\tPlant\n'
    '\n'
    '222_1\tNo entities here.\n'
    '\n')


def _read(tmp_path, text, **kwargs):
  path = tmp_path / 'PPR_test_corpus.txt'
  path.write_text(text, encoding='utf-8')
  return list(ppr.read_ppr(path, **kwargs))


def test_sentences_of_an_abstract_become_one_document(tmp_path):
  with warnings.catch_warnings():
    warnings.simplefilter('error', MalformedInputWarning)
    first, second = _read(tmp_path, TWO_ABSTRACTS)
  assert first.id == '111' and second.id == '222'
  assert first.passages[0].text == 'Asthma induced by potato. Potato helps.'
  assert first.annotations == [Span(0, 6, 'Negative_phenotype', 'Asthma'),
                               Span(18, 24, 'Plant', 'potato'), Span(26, 32, 'Plant', 'Potato')]
  assert second.passages[0].text == 'No entities here.' and not second.annotations


@pytest.mark.parametrize('lines, line, problem', [
    (['111\t0\t6\tPotato\n'], 2, 'entity line has 4 columns, 5 expected'),
    (['111\t0\t60\tPotato\tPlant\n'], 2, 'offsets 0-60 lie outside the sentence'),
    (['999\t0\t6\tPotato\tPlant\n'], 2, "entity line of document '999'"),
    (['111\tx\t6\tPotato\tPlant\n'], 2, 'invalid literal for int()'),
    (['111-2\tPotato helps.\n', '111\t0\t6\tPotato\tPlant\n'], 2, "header '111-2' is not PMID_n"),
])
def test_a_bad_line_is_named_by_file_and_line_and_skipped(tmp_path, lines, line, problem):
  text = '111_1\tPotato helps.\n' + ''.join(lines)
  with pytest.warns(MalformedInputWarning) as record:
    (doc,) = _read(tmp_path, text)
  errors = [w.message.error for w in record]
  assert (errors[0].path, errors[0].line, errors[0].document_id) == (
      str(tmp_path / 'PPR_test_corpus.txt'), line, '111')
  assert problem in errors[0].message and errors[0].message.endswith('skipped')
  assert not doc.annotations


def test_a_mention_that_disagrees_with_its_offsets_is_reported_and_kept(tmp_path):
  with pytest.warns(MalformedInputWarning, match='kept: offsets win'):
    (doc,) = _read(tmp_path, '111_1\tPotato helps.\n111\t0\t6\tTomato\tPlant\n')
  assert [(s.start, s.end) for s in doc.annotations] == [(0, 6)]


def test_strict_mode_raises_on_a_bad_line(tmp_path):
  with pytest.raises(MalformedInputError, match=r'PPR_test_corpus.txt:1: sentence header'):
    _read(tmp_path, 'x\tPotato helps.\n', strict=True)
