"""Shared fixtures of the binding's tests.

Run from ctest (tests/python.sh) or by hand:
    CLF_CLI=build/classify <venv>/bin/python -m pytest python/tests
A skipped test fails the run: nothing here may pass by not running.
"""
import os
import shutil

import pytest

import libclassify

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("CLF_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL_PATH = os.path.join(SOURCE, "models", "arabic-default.clf")


def cli_path():
    """The `classify` executable to compare against: $CLF_CLI, else build/classify."""
    p = os.environ.get("CLF_CLI") or os.path.join(SOURCE, "build", "classify")
    if not (os.path.isfile(p) and os.access(p, os.X_OK)):
        pytest.fail("classify CLI not found at %s (set CLF_CLI)" % p)
    return p


@pytest.fixture(scope="session")
def model_path():
    assert os.path.isfile(MODEL_PATH), MODEL_PATH
    return MODEL_PATH


@pytest.fixture(scope="session")
def model(model_path):
    m = libclassify.Model(model_path)
    yield m
    m.close()


@pytest.fixture(scope="session")
def cli():
    return cli_path()


_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_line("FAILED: %d test(s) skipped; skips do not count as passes: %s"
                                    % (len(_skipped), ", ".join(_skipped)), red=True)
