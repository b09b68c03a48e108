"""Build the libclassify Python package against the libclassify C library.

Where the library's headers and libclassify.so come from, first match wins:

1. CLF_INCLUDE_DIR and CLF_LIBRARY_DIR (both set): explicit directories.
2. CLF_BUILD_DIR: a CMake build directory of this source tree (headers from
   the tree's include/, libclassify.so from the build directory).
3. pkg-config libclassify (an installed library, e.g. `cmake --install`;
   set PKG_CONFIG_PATH for a non-standard prefix).
4. ../build: the README's CMake build directory beside this folder.

The extension links libclassify.so with an RPATH to the directory it was
found in, so the package works without LD_LIBRARY_PATH (rebuild it if that
directory moves). The shipped models are copied into the package: the
default model (models/arabic-default.clf of the source tree, or
$CLF_DEFAULT_MODEL_FILE) and the persuasion-technique model
(models/arabic-persuasion.clf, or $CLF_PERSUASION_MODEL_FILE).
CLF_SOURCE_DIR names the source tree when this folder was copied elsewhere.
"""
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.environ.get("CLF_SOURCE_DIR") or os.path.join(HERE, ".."))


def fail(msg):
    sys.stderr.write("libclassify setup.py: %s\n" % msg)
    sys.exit(1)


def pkg_config(*args):
    try:
        out = subprocess.run(["pkg-config"] + list(args) + ["libclassify"],
                             check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def has_library(d):
    return os.path.isfile(os.path.join(d, "libclassify.so"))


def find_library():
    """(include_dirs, library_dir, how)"""
    inc, lib = os.environ.get("CLF_INCLUDE_DIR"), os.environ.get("CLF_LIBRARY_DIR")
    if inc or lib:
        if not (inc and lib):
            fail("set both CLF_INCLUDE_DIR and CLF_LIBRARY_DIR")
        if not has_library(lib):
            fail("no libclassify.so in CLF_LIBRARY_DIR=%s" % lib)
        return [inc], lib, "CLF_INCLUDE_DIR/CLF_LIBRARY_DIR"
    build = os.environ.get("CLF_BUILD_DIR")
    if build:
        build = os.path.abspath(build)
        if not has_library(build):
            fail("no libclassify.so in CLF_BUILD_DIR=%s (build the library first)" % build)
        return [os.path.join(SOURCE, "include")], build, "CLF_BUILD_DIR"
    if pkg_config("--exists") is not None:
        flags = pkg_config("--cflags-only-I") or ""
        incs = [f[2:] for f in flags.split() if f.startswith("-I")]
        lib = pkg_config("--variable=libdir")
        if lib and has_library(lib):
            return incs, lib, "pkg-config"
    build = os.path.join(SOURCE, "build")
    if has_library(build):
        return [os.path.join(SOURCE, "include")], build, "source tree build/"
    fail("libclassify not found: build it (cmake -S . -B build && cmake --build build), then\n"
         "  set CLF_BUILD_DIR=<build dir>, or install it (pkg-config libclassify), or set\n"
         "  CLF_INCLUDE_DIR and CLF_LIBRARY_DIR")


def version():
    """The library version, from the header the package is built against."""
    for d in INCLUDE_DIRS:
        p = os.path.join(d, "classify", "version.h")
        if os.path.isfile(p):
            with open(p) as f:
                h = f.read()
            parts = [re.search(r"#define CLF_VERSION_%s (\d+)" % k, h).group(1)
                     for k in ("MAJOR", "MINOR", "PATCH")]
            return ".".join(parts)
    fail("classify/version.h not found in %s" % INCLUDE_DIRS)


# the shipped models (src/libclassify/__init__.py: SHIPPED_MODELS), each with the
# variable that names another file to ship under its name
SHIPPED_MODELS = (("arabic-default", "CLF_DEFAULT_MODEL_FILE"),
                  ("arabic-persuasion", "CLF_PERSUASION_MODEL_FILE"))


class build_py_with_model(build_py):
    """Copy the shipped models into the package (they are not kept in git twice)."""

    def run(self):
        super().run()
        dst = os.path.join(self.build_lib, "libclassify", "models")
        os.makedirs(dst, exist_ok=True)
        for name, env in SHIPPED_MODELS:
            src = os.environ.get(env) or os.path.join(SOURCE, "models", name + ".clf")
            if not os.path.isfile(src):
                fail("shipped model %s not found (set %s)" % (src, env))
            shutil.copyfile(src, os.path.join(dst, name + ".clf"))


INCLUDE_DIRS, LIBRARY_DIR, HOW = find_library()
sys.stderr.write("libclassify setup.py: library from %s: %s\n" % (HOW, LIBRARY_DIR))

ext = Extension(
    "libclassify._libclassify",
    sources=sorted(os.path.join("ext", f) for f in os.listdir(os.path.join(HERE, "ext"))
                   if f.endswith(".c")),
    include_dirs=INCLUDE_DIRS,
    library_dirs=[LIBRARY_DIR],
    runtime_library_dirs=[LIBRARY_DIR],
    libraries=["classify"],
    # -Werror only where the project asks for it (its ctest run): a newer
    # Python's deprecations must not break a user's install
    extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Wno-missing-field-initializers",
                        "-Wno-cast-function-type"]
    + (["-Werror"] if os.environ.get("CLF_WERROR") == "1" else []),
)

setup(
    name="libclassify",
    version=version(),
    description="Arabic extremism, propaganda and hate-speech classification (libclassify binding)",
    license="see the libclassify source tree",
    python_requires=">=3.9",
    package_dir={"": "src"},
    packages=["libclassify"],
    ext_modules=[ext],
    cmdclass={"build_py": build_py_with_model},
    zip_safe=False,
)
