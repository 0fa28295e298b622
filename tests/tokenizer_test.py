"""Tests of the subword tokenizer's task tags: new tasks take free slots, old ids stay."""

import pytest

from aioner_tf.data.tokenizer import SubwordTokenizer

VOCAB = ['[PAD]', '[unused0]', '[unused1]', '[unused2]', '[unused3]', '[unused4]', '[UNK]',
         '[CLS]', '[SEP]', 'renal', 'cells']


def _tokenizer(tmp_path, tasks, vocab=VOCAB, lower_case=True):
  path = tmp_path / 'vocab.txt'
  path.write_text('\n'.join(vocab) + '\n')
  return SubwordTokenizer.from_encoder_vocab(str(path), lower_case, tasks)


def test_new_tasks_take_further_unused_slots_and_then_grow_the_vocabulary(tmp_path):
  old = _tokenizer(tmp_path, ['ALL'])
  grown = _tokenizer(tmp_path, ['ALL', 'Anatomy', 'Plant'])
  assert grown.task_tag_ids('ALL') == old.task_tag_ids('ALL') == (2, 3)
  assert grown.task_tag_ids('Anatomy') == (4, 5)
  assert grown.task_tag_ids('Plant') == (11, 12)  # No free slot left: appended.
  assert grown.word_piece_ids(['Renal', 'cells']) == old.word_piece_ids(['Renal', 'cells'])
  grown.check_extends(old)


@pytest.mark.parametrize('tasks, vocab, lower_case, problem', [
    (['Anatomy'], VOCAB, True, r"tasks \['ALL'\] of the base"),
    (['ALL', 'Anatomy'], VOCAB, False, 'lower_case'),
    (['ALL', 'Anatomy'], VOCAB[:9] + ['kidney', 'cells'], True, "id 9 is 'kidney'"),
])
def test_check_extends_refuses_what_a_trained_model_would_misread(tmp_path, tasks, vocab,
                                                                  lower_case, problem):
  old = _tokenizer(tmp_path, ['ALL'])
  with pytest.raises(ValueError, match=problem):
    _tokenizer(tmp_path, tasks, vocab, lower_case).check_extends(old)
