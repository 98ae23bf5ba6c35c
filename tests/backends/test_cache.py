"""The content-addressed build cache: atomic entries, corruption detection, one build at a time."""

from __future__ import annotations

import threading
import time

import pytest

from pybrms.backends import compile_model
from pybrms.backends.cache import MANIFEST, cached_build, content_key


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

    workers = [threading.Thread(target=cached_build, args=(tmp_path, "k", slow))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(builds) == 1


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
    draws = rebuilt.sample({}, chains=1, iter_warmup=50, iter_sampling=50, seed=1,
                           show_progress=False)
    assert draws.variables()["x"].shape == (1, 50)
