"""Tests of the CoNLL-with-offsets reader (AnEM): rebuilt text, document restarts, bad lines."""

import warnings

import pytest

from aioner_tf.data import conll
from aioner_tf.data.document import Span
from aioner_tf.data.errors import MalformedInputError, MalformedInputWarning

TWO_DOCUMENTS = (
    'Ventricular\t0\t11\tB-Multi-tissue_structure\n'
    'fibrillation\t12\t24\tI-Multi-tissue_structure\n'
    '.\t24\t25\tO\n'
    '\n'
    'Renal\t26\t31\tB-Organ\n'
    'cells\t32\t37\tB-Cell\n'
    '\n'
    'TxA2\t1\t5\tO\n'            # Offsets go back: a new document (here at 1, as in AnEM.test).
    'in\t6\t8\tO\n'
    'platelets\t9\t18\tI-Cell\n'  # An I- that continues nothing starts an entity.
    '\n')


def _read(tmp_path, text, name='AnEM.test', **kwargs):
  path = tmp_path / name
  path.write_text(text, encoding='utf-8')
  return list(conll.read_offset_conll(path, **kwargs))


def test_text_is_rebuilt_from_offsets_and_entities_follow_the_tags(tmp_path):
  with warnings.catch_warnings():
    warnings.simplefilter('error', MalformedInputWarning)
    first, second = _read(tmp_path, TWO_DOCUMENTS)
  assert first.id == 'AnEM.test-1' and second.id == 'AnEM.test-2'
  assert first.passages[0].text == 'Ventricular fibrillation. Renal cells'
  assert first.annotations == [Span(0, 24, 'Multi-tissue_structure', 'Ventricular fibrillation'),
                               Span(26, 31, 'Organ', 'Renal'), Span(32, 37, 'Cell', 'cells')]
  assert second.passages[0].text == ' TxA2 in platelets'
  assert second.annotations == [Span(9, 18, 'Cell', 'platelets')]


def test_an_entity_does_not_continue_into_the_next_sentence(tmp_path):
  (doc,) = _read(tmp_path, 'Cell\t0\t4\tB-Cell\n\nwall\t5\t9\tI-Cell\n')
  assert [(s.start, s.end) for s in doc.annotations] == [(0, 4), (5, 9)]


@pytest.mark.parametrize('line, problem', [
    ('cells\t32\t37\n', 'expected 4 tab-separated columns'),
    ('cells\tx\t37\tO\n', 'not integers'),
    ('cells\t32\t38\tO\n', "'cells' has 5 characters but offsets 32-38"),
    ('cells\t32\t37\tE-Cell\n', "tag 'E-Cell' is not O"),
])
def test_a_bad_line_is_named_by_file_and_line_and_skipped(tmp_path, line, problem):
  text = 'Renal\t26\t31\tB-Organ\n' + line + 'tissue\t38\t44\tO\n'
  with pytest.warns(MalformedInputWarning) as record:
    (doc,) = _read(tmp_path, text)
  (error,) = [w.message.error for w in record]
  assert (error.path, error.line, error.document_id) == (str(tmp_path / 'AnEM.test'), 2,
                                                           'AnEM.test-1')
  assert problem in error.message and error.message.endswith('; line skipped')
  assert doc.passages[0].text == ' ' * 26 + 'Renal' + ' ' * 7 + 'tissue'  # The gap stays.
  assert doc.annotations == [Span(26, 31, 'Organ', 'Renal')]


def test_strict_mode_raises_on_a_bad_line(tmp_path):
  with pytest.raises(MalformedInputError, match=r'AnEM.test:1 \(document AnEM.test-1\)'):
    _read(tmp_path, 'cells\t0\n', strict=True)
