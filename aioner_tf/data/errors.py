"""Reporting malformed input: a warning by default, an error in strict mode.

Every problem names the file, the line (1-based, 0 when unknown) and the document, so a user can
find it; the reader then skips what is broken and goes on with the rest of the file.
"""

import warnings
from typing import Optional


class MalformedInputError(ValueError):
  """Input that cannot be read as it claims to be, located by file, line and document."""

  def __init__(self, message: str, path: str = '', line: int = 0,
               document_id: Optional[str] = None):
    self.message = message
    self.path = str(path)
    self.line = line
    self.document_id = document_id
    where = self.path or '<input>'
    if line:
      where += f':{line}'
    if document_id is not None:
      where += f' (document {document_id})'
    super().__init__(f'{where}: {message}')


class MalformedInputWarning(UserWarning):
  """Warning for malformed input that was skipped or kept as it is; its text is the error's,
  and `error` keeps the error itself (file, line and document apart)."""

  def __init__(self, error: MalformedInputError):
    super().__init__(str(error))
    self.error = error


def report(error: MalformedInputError, strict: bool) -> None:
  """Raises `error` in strict mode, else warns with its text and lets the caller go on."""
  if strict:
    raise error
  warnings.warn(MalformedInputWarning(error), stacklevel=3)


def use_one_line_warnings() -> None:
  """Prints warnings as one line each (`warning: <file:line (document id)>: message`), for the
  command-line tools: the default format repeats a line of this package's source after each."""
  warnings.formatwarning = lambda message, category, *args, **kwargs: (
      f'{category.__name__}: {message}\n')
