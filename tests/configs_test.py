"""Every experiment flagfile in configs/ parses with both entry points that read it."""

import subprocess
import sys

import pytest

from conftest import ROOT

# Loads an entry point's flags (not its main) and parses each flagfile given after it.
_PARSE_FLAGFILES = '''
import importlib.util, sys
from absl import flags
spec = importlib.util.spec_from_file_location('entry_point', sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
for flagfile in sys.argv[2:]:
  flags.FLAGS.unparse_flags()
  flags.FLAGS(['entry_point', '--flagfile=' + flagfile])
'''


@pytest.mark.parametrize('script', ['prepare_data.py', 'train.py'])
def test_every_flagfile_parses(script):
  flagfiles = sorted(str(path.relative_to(ROOT)) for path in (ROOT / 'configs').glob('*.flags'))
  assert len(flagfiles) >= 10
  parsed = subprocess.run([sys.executable, '-c', _PARSE_FLAGFILES, str(ROOT / 'bin' / script),
                           *flagfiles], cwd=ROOT, capture_output=True, text=True, check=False)
  assert parsed.returncode == 0, parsed.stderr[-2000:]
