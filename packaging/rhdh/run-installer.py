"""Runs RHDH's install-dynamic-plugins.py (beside this file) with its arguments.

The installer passes tarfile's extraction `filter` argument, which Python has
from 3.11.4 on (RHDH's image has it); Debian 12's Python is 3.11.2. There, the
argument is dropped: the installer checks every member's name, size and link
target itself before it extracts, and the archives here are the test's own.
"""
import os
import runpy
import sys
import tarfile

if not hasattr(tarfile, 'data_filter'):
    _extract = tarfile.TarFile.extract
    _extractall = tarfile.TarFile.extractall

    def extract(self, member, path='', set_attrs=True, *, numeric_owner=False, filter=None):
        return _extract(self, member, path, set_attrs, numeric_owner=numeric_owner)

    def extractall(self, path='.', members=None, *, numeric_owner=False, filter=None):
        return _extractall(self, path, members, numeric_owner=numeric_owner)

    tarfile.TarFile.extract = extract
    tarfile.TarFile.extractall = extractall

installer = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'install-dynamic-plugins.py')
sys.argv[0] = installer
runpy.run_path(installer, run_name='__main__')
