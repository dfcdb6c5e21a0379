#!/usr/bin/python3
# ctest-labels: unit
"""Quality of `vigie extract` on the second labelled set, tests/data/set2 (issue 18).

Runs tests/enrich/test_quality.py on set2: per type precision and recall, micro-F1 per
language, account and `mentioned` precision and recall, roles, people F1 (with and without
roles) and amount accuracy, for the whole set and for each half. Fails when vigie fails, breaks
the `vigie extract` output contract, or scores below the floors test_quality.py sets on set2's
held-out half (SET_GATES). Never tune on the held-out half (tests/data/set2/README.md).
"""
import os
import runpy
import sys

os.environ["VIGIE_QUALITY_SET"] = "set2"
sys.argv = [sys.argv[0]]
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_quality.py"),
               run_name="__main__")
