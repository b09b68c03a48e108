"""Random objects and random strings through the binding: every call
returns a result or raises TypeError / ValueError, never crashes."""
import random

import pytest

import libclassify

SEED = 20261201


def random_text(rng):
    kind = rng.randrange(6)
    n = rng.choice([0, 1, 2, 7, 64, 1000, 70000])
    if kind == 0:  # random bytes: mostly invalid UTF-8
        return bytes(rng.randrange(256) for _ in range(n))
    if kind == 1:  # any code point, surrogates included
        return "".join(chr(rng.randrange(0x110000)) for _ in range(min(n, 5000)))
    if kind == 2:  # Arabic block, marks, tatweel, controls
        return "".join(chr(rng.choice([rng.randrange(0x600, 0x700), 0x640, 0x200b, 0x200d, 0xfeff,
                                       0, 10, 32, rng.randrange(0xfe70, 0xff00)]))
                       for _ in range(n))
    if kind == 3:  # valid UTF-8 bytes cut at a random place
        s = "".join(chr(rng.randrange(0x600, 0x6ff)) for _ in range(n)).encode()
        return s[: rng.randrange(len(s) + 1)]
    if kind == 4:
        return rng.choice(["", " ", "\0" * n, "ـ" * n, "\u0651" * n, "😀" * n])
    return bytearray(rng.randrange(256) for _ in range(min(n, 300)))


def random_object(rng):
    return rng.choice([None, 0, -1, 2**70, 1.5, float("nan"), [], ["x"], {}, {"text": "x"},
                       object(), type, (b"x",), {1, 2}, memoryview(b"abc")[::2], Ellipsis,
                       random_text(rng)])


def check(call):
    try:
        call()
    except (TypeError, ValueError):
        pass


def test_fuzz_score(model):
    rng = random.Random(SEED)
    for _ in range(1500):
        t = random_text(rng) if rng.random() < 0.7 else random_object(rng)
        try:
            r = model.score(t)
        except (TypeError, ValueError):
            continue
        assert set(r["scores"]) == set(model.categories)
        assert all(0.0 <= p <= 1.0 for p in r["scores"].values())


def test_fuzz_valid_utf8_never_rejected(model):
    rng = random.Random(SEED + 1)
    for _ in range(500):
        s = "".join(chr(rng.choice([rng.randrange(0x20, 0xd800), rng.randrange(0xe000, 0x110000)]))
                    for _ in range(rng.randrange(200)))
        assert model.score(s) == model.score(s.encode("utf-8"))


def test_fuzz_every_entry_point(model):
    rng = random.Random(SEED + 2)
    for _ in range(400):
        a, b = random_object(rng), random_object(rng)
        check(lambda: model.score_many([a, b, random_text(rng)], threads=rng.randint(1, 3),
                                       errors=rng.choice(["raise", "record"])))
        check(lambda: model.score_many(a))
        check(lambda: model.score_many([a], threads=b))
        check(lambda: model.explain(a, rng.choice([0, 1, 5, -1, 10**6])))
        check(lambda: model.explain(a, b))
        check(lambda: model.normalize(a))
        check(lambda: libclassify.normalize(a))
        check(lambda: libclassify.normalize(random_text(rng), steps=a))
        check(lambda: model.category_index(a))
        check(lambda: libclassify.strerror(a))


def test_fuzz_constructor(model_path):
    rng = random.Random(SEED + 3)
    for _ in range(100):
        a, b = random_object(rng), random_object(rng)
        for call in (lambda: libclassify.Model(a), lambda: libclassify.Model(model_path, max_bytes=a),
                     lambda: libclassify.Model(model_path, thresholds=b),
                     lambda: libclassify.Model(model_path, thresholds={"hate": a})):
            try:
                call().close()
            except (TypeError, ValueError, libclassify.Error):
                pass


@pytest.mark.parametrize("size_mb", [64])
def test_huge_strings(model, size_mb):
    s = "ب" * (size_mb << 19)  # size_mb MB of UTF-8
    assert model.score(s)["truncated"] is True
    assert model.score_many([s, s.encode()], threads=2)[1]["truncated"] is True
    # past the limit nothing is read, as with bytes and the CLI
    assert model.score(s + "\udc80") == model.score(s)
    with pytest.raises(libclassify.InputError):
        model.score("\udc80" + s)
