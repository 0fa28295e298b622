"""Experiment flagfiles (configs/*.flags) serve both entry points that read them."""

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

# Loads an entry point's flags and prints each flag's name, type and help, one a line.
_LIST_FLAGS = '''
import importlib.util, sys
from absl import flags
spec = importlib.util.spec_from_file_location('entry_point', sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
for name in sorted(flags.FLAGS):
  print(name, flags.FLAGS[name].flag_type(), flags.FLAGS[name].help.replace(chr(10), ' '))
'''


@pytest.mark.parametrize('script', ['prepare_data.py', 'train.py'])
def test_every_flagfile_parses(script):
  flagfiles = sorted(str(path.relative_to(ROOT)) for path in (ROOT / 'configs').glob('*.flags'))
  assert len(flagfiles) >= 10
  parsed = subprocess.run([sys.executable, '-c', _PARSE_FLAGFILES, str(ROOT / 'bin' / script),
                           *flagfiles], cwd=ROOT, capture_output=True, text=True, check=False)
  assert parsed.returncode == 0, parsed.stderr[-2000:]


def test_both_entry_points_define_the_same_flags_with_one_meaning():
  """A flagfile holds flags of both scripts: a flag defined by one only would make the other
  refuse the flagfile, and one name defined twice could mean two things (as --seed once did)."""
  listed = {script: subprocess.run([sys.executable, '-c', _LIST_FLAGS, str(ROOT / 'bin' / script)],
                                   cwd=ROOT, capture_output=True, text=True, check=True).stdout
            for script in ('prepare_data.py', 'train.py')}
  assert 'dev_split_seed' in listed['train.py'] and 'learning_rate' in listed['prepare_data.py']
  assert listed['prepare_data.py'] == listed['train.py']
