"""The content-addressed build cache: atomic entries, corruption detection, one build at a time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from pybrms.backends import compile_model
from pybrms.backends.cache import MANIFEST, cached_build, claim_entries, content_key


def write_file(text):
    def build(directory):
        (directory / "artifact").write_text(text)

    return build


def test_second_request_is_a_hit(tmp_path):
    entry, hit = cached_build(tmp_path, "k", write_file("one"))
    assert not hit and (entry / "artifact").read_text() == "one"
    entry, hit = cached_build(tmp_path, "k", write_file("two"))
    assert hit and (entry / "artifact").read_text() == "one"


def test_corrupt_entry_is_rebuilt(tmp_path):
    entry, _ = cached_build(tmp_path, "k", write_file("good"))
    (entry / "artifact").write_text("garbage")
    entry, hit = cached_build(tmp_path, "k", write_file("good"))
    assert not hit and (entry / "artifact").read_text() == "good"


def test_missing_manifest_counts_as_missing(tmp_path):
    entry, _ = cached_build(tmp_path, "k", write_file("good"))
    (entry / MANIFEST).unlink()
    assert not cached_build(tmp_path, "k", write_file("good"))[1]


def test_verify_once_checks_the_checksums_once_per_process(tmp_path):
    entry, _ = cached_build(tmp_path, "k", write_file("good"), verify_once=True)
    (entry / "artifact").write_text("garbage")
    assert cached_build(tmp_path, "k", write_file("good"), verify_once=True) == (entry, True)
    assert not cached_build(tmp_path, "k", write_file("good"))[1]  # a full check rebuilds
    shutil.rmtree(entry)  # gone: rebuilt even so
    assert not cached_build(tmp_path, "k", write_file("good"), verify_once=True)[1]
    assert (entry / "artifact").read_text() == "good"


def test_failed_build_leaves_nothing(tmp_path):
    def broken(directory):
        (directory / "half").write_text("half-built")
        raise RuntimeError("compiler crashed")

    with pytest.raises(RuntimeError, match="compiler crashed"):
        cached_build(tmp_path, "k", broken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.lock"]


def test_concurrent_requests_build_once(tmp_path):
    builds = []

    def slow(directory):
        builds.append(1)
        time.sleep(0.3)
        (directory / "artifact").write_text("x")

    workers = [threading.Thread(target=cached_build, args=(tmp_path, "k", slow)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(builds) == 1


# Waits until both processes are ready, then asks for one entry; prints (hit, artifact).
BUILD_IN_A_PROCESS = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pybrms.backends.cache import cached_build
    root, name = Path(sys.argv[1]), sys.argv[2]
    (root / f"ready-{name}").touch()
    while len(list(root.glob("ready-*"))) < 2:
        time.sleep(0.01)

    def build(directory):
        with open(root / "builds", "a") as log:
            log.write(name + "\\n")
        time.sleep(1.0)
        (directory / "artifact").write_text(name)

    entry, hit = cached_build(root / "cache", "k", build)
    print(hit, (entry / "artifact").read_text())
""")


def test_two_processes_asking_at_once_build_once(tmp_path):
    """As pytest-xdist workers do: one builds, the other waits and takes its entry."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD_IN_A_PROCESS, str(tmp_path), name],
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    results = [child.communicate(timeout=120)[0].split() for child in children]
    assert all(child.returncode == 0 for child in children)
    builder = (tmp_path / "builds").read_text().split()
    assert len(builder) == 1
    assert sorted(results) == sorted([["False", *builder], ["True", *builder]])
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["k", "k.lock"]


def test_a_claim_builds_what_nobody_else_builds(tmp_path):
    cached_build(tmp_path, "hit", write_file("old"))
    building, release = threading.Event(), threading.Event()

    def slow(directory):
        building.set()
        release.wait(30)
        (directory / "artifact").write_text("theirs")

    other = threading.Thread(target=cached_build, args=(tmp_path, "busy", slow))
    other.start()
    try:
        assert building.wait(30)
        with claim_entries(tmp_path, ["hit", "busy", "new", "failed", "new"]) as claim:
            assert list(claim.hits) == ["hit"] and claim.busy == ["busy"]
            assert sorted(claim.staging) == ["failed", "new"]
            for staging in claim.staging.values():
                (staging / "artifact").write_text("ours")
            assert claim.commit("new") == tmp_path / "new"
    finally:
        release.set()
        other.join()
    assert cached_build(tmp_path, "new", write_file("never")) == (tmp_path / "new", True)
    assert (tmp_path / "busy" / "artifact").read_text() == "theirs"
    assert not (tmp_path / "failed").exists()  # not committed: removed with its staging
    assert not list(tmp_path.glob(".*"))


def test_content_key_separates_parts():
    assert content_key("ab", "c") != content_key("a", "bc")


@pytest.mark.stan
def test_model_compile_cache_hit_and_rebuild_of_corrupt_executable():
    code = "parameters { real x; } model { x ~ normal(0, 1); } // cache test"
    first = compile_model(code, backend="embedded", show_progress=False)
    start = time.perf_counter()
    again = compile_model(code, backend="embedded", show_progress=False)
    assert again.from_cache and time.perf_counter() - start < 1.0
    again.executable.write_bytes(b"truncated")
    rebuilt = compile_model(code, backend="embedded", show_progress=False)
    assert not rebuilt.from_cache and rebuilt.directory == first.directory
    draws = rebuilt.sample(
        {}, chains=1, iter_warmup=50, iter_sampling=50, seed=1, show_progress=False
    )
    assert draws.variables()["x"].shape == (1, 50)


def test_cache_doctests_leave_the_environment_alone():
    import doctest
    import os

    import pybrms.backends.cache as cache_module

    before = dict(os.environ)
    assert doctest.testmod(cache_module).failed == 0
    assert dict(os.environ) == before


@pytest.fixture
def make_read_only():
    """Make a directory read-only in a way that also stops root (chmod does not)."""
    import os
    import subprocess

    made = []

    def make(directory):
        if os.geteuid() != 0:
            directory.chmod(0o555)
        else:
            try:
                done = subprocess.run(["chattr", "+i", str(directory)], capture_output=True)
            except FileNotFoundError:
                done = None
            if done is None or done.returncode != 0:
                pytest.skip("root ignores permissions and chattr +i is unavailable here")
        made.append(directory)
        return directory

    yield make
    for directory in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        else:
            directory.chmod(0o755)


def unusable_cache(kind, tmp_path, make_read_only):
    if kind == "read-only directory":
        (tmp_path / "cache").mkdir()
        return make_read_only(tmp_path / "cache")
    (tmp_path / "file").write_text("not a directory")
    return tmp_path / "file" if kind == "file in its place" else tmp_path / "file" / "cache"


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("file in its place", "a file stands where a directory should be"),
        ("path under a file", "a file stands where a directory should be"),
        ("read-only directory", "not permitted|permission denied|read-only"),
    ],
)
def test_unusable_cache_raises_cache_error_before_any_compile(
    tmp_path, monkeypatch, make_read_only, kind, problem
):
    from pybrms.backends import launch
    from pybrms.backends.embedded.toolchain import find_toolchain
    from pybrms.errors import CacheError, PybrmsError, ToolchainError

    try:
        find_toolchain()
    except ToolchainError as error:
        pytest.skip(str(error))
    path = unusable_cache(kind, tmp_path, make_read_only)
    monkeypatch.setenv("PYBRMS_CACHE_DIR", str(path))

    def no_compile(*args, **kwargs):
        raise AssertionError("a compiler started although the cache cannot be used")

    monkeypatch.setattr(launch, "start", no_compile)
    with pytest.raises(CacheError, match=problem) as info:
        compile_model(
            "parameters { real x; } model { x ~ normal(0, 1); }",
            backend="embedded",
            show_progress=False,
        )
    assert isinstance(info.value, PybrmsError)
    message = str(info.value)
    assert "set by PYBRMS_CACHE_DIR" in message and str(path) in message
    assert "Set PYBRMS_CACHE_DIR to a directory you can write to" in message


def test_read_only_cache_still_serves_its_entries(tmp_path, make_read_only):
    entry, _ = cached_build(tmp_path, "k", write_file("built"))
    make_read_only(tmp_path)
    assert cached_build(tmp_path, "k", write_file("never")) == (entry, True)


def test_staging_left_by_a_killed_build_is_swept_by_the_next_one(tmp_path):
    import subprocess
    import sys

    # A real process dies by SIGKILL in the middle of a build.
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from pybrms.backends.cache import cached_build\n"
        "def build(d):\n"
        "    (d / 'half').write_text('half-built')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "cached_build(Path(sys.argv[1]), 'killed', build)\n"
    )
    child = subprocess.run([sys.executable, "-c", script, str(tmp_path)])
    assert child.returncode == -9
    assert len(list(tmp_path.glob(".killed-*"))) == 1
    cached_build(tmp_path, "other", write_file("x"))
    assert not list(tmp_path.glob(".killed-*"))


def test_staging_of_a_live_build_is_kept(tmp_path):
    building, release = threading.Event(), threading.Event()

    def slow(directory):
        (directory / "artifact").write_text("x")
        building.set()
        release.wait(30)

    worker = threading.Thread(target=cached_build, args=(tmp_path, "live", slow))
    worker.start()
    try:
        assert building.wait(30)
        cached_build(tmp_path, "other", write_file("y"))  # sweeps
        assert len(list(tmp_path.glob(".live-*"))) == 1
    finally:
        release.set()
        worker.join()
    assert (tmp_path / "live" / "artifact").read_text() == "x"
