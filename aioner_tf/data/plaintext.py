"""Plain-text reader: one file is one document.

The document id is the file name without its extension, and the whole text is one passage at
offset 0, so offsets are code points into the file's text exactly as it is (line breaks and all).
"""

import os
import pathlib
from typing import Iterator, Union

from aioner_tf.data import document as document_lib
from aioner_tf.data.errors import MalformedInputError, report


def read_plaintext(path: Union[str, os.PathLike], strict: bool = False
                   ) -> Iterator[document_lib.Document]:
  """Yields the one document of a UTF-8 text file; a file that is not UTF-8 is reported and
  yields nothing."""
  path = pathlib.Path(path)
  content = path.read_bytes()
  try:
    text = content.decode('utf-8')
  except UnicodeDecodeError as e:
    line = content.count(b'\n', 0, e.start) + 1
    report(MalformedInputError(f'bytes that are not UTF-8 ({e.reason} at byte {e.start}); '
                               'document skipped', str(path), line, path.stem), strict)
    return
  yield document_lib.Document(path.stem, [document_lib.Passage(0, text)])
