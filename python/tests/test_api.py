"""The Python API: attributes, results, errors, lifetime."""
import json
import os
import re

import pytest

import libclassify
import texts

PROPAGANDA = "بايعوا أمير المؤمنين وانفروا إلى أرض الخلافة، الدولة الإسلامية باقية وتتمدد"


def test_attributes(model, model_path):
    assert model.categories == ("extremism", "propaganda", "hate", "offensive", "incitement")
    assert set(model.thresholds) == set(model.categories)
    assert all(0.0 <= t <= 1.0 for t in model.thresholds.values())
    assert model.path == model_path
    assert model.name == "arabic-default"
    assert isinstance(model.checksum, int) and 0 < model.checksum < 2**64
    assert re.fullmatch(r"arabic-default@[0-9a-f]{8,16}", model.id), model.id
    assert model.id.split("@")[1] == ("%016x" % model.checksum)[: len(model.id.split("@")[1])]
    assert model.metadata == json.loads(model.metadata_json)
    assert model.metadata["recipe_name"] == "arabic-default"
    assert model.format_version >= 1
    assert model.max_bytes == 1 << 20
    assert not model.closed
    assert model.category_index("hate") == 2
    with pytest.raises(libclassify.InputError) as e:
        model.category_index("nope")
    assert e.value.code == libclassify.error_codes["CLF_E_NOT_FOUND"]
    assert libclassify.__version__ == libclassify.library_version == libclassify.header_version


def test_default_model_is_the_shipped_one(model, monkeypatch):
    monkeypatch.delenv("CLF_MODEL", raising=False)
    with libclassify.Model() as m:
        assert m.checksum == model.checksum
        assert m.path == libclassify.default_model_path()
    monkeypatch.setenv("CLF_MODEL", "/nonexistent/model.clf")
    with pytest.raises(libclassify.ModelError) as e:
        libclassify.Model()
    assert e.value.code == libclassify.error_codes["CLF_E_IO"]
    assert e.value.name == "CLF_E_IO"
    assert "/nonexistent/model.clf" in e.value.message


def test_result_shape(model):
    r = model.score(PROPAGANDA)
    # the shipped model has a report-only category (propaganda): "signals" is there
    assert set(r) == {"scores", "flagged", "signals", "truncated", "abstain"}
    assert list(r["scores"]) == list(model.categories)
    assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in r["scores"].values())
    assert isinstance(r["flagged"], set) and isinstance(r["signals"], set)
    assert r["flagged"] | r["signals"] == {c for c, p in r["scores"].items()
                                           if p >= model.thresholds[c]}
    assert "propaganda" not in r["flagged"]
    assert "extremism" in r["flagged"]
    assert r["truncated"] is False
    assert r["abstain"] is None
    greeting = model.score("صباح الخير يا أصدقاء، الجو اليوم جميل")
    assert greeting["flagged"] == set()


def test_str_and_bytes_agree(model):
    for t in texts.FIXED:
        assert model.score(t) == model.score(t.encode("utf-8"))
        assert model.score(t) == model.score(bytearray(t.encode("utf-8")))
        assert model.score(t) == model.score(memoryview(t.encode("utf-8")))


def test_evasions_normalize_away(model):
    plain = model.score("الدولة الإسلامية باقية وتتمدد")
    obf = model.score("الدولـــــة الإســـلامـیـة باقـ\u200bـیـة و\u200dتـتـمـدد")
    assert plain == obf
    assert libclassify.normalize("جـــهـاد") == "جهاد"
    assert model.normalize("الدولـــــة") == libclassify.normalize("الدولة") == "الدوله"
    assert libclassify.normalize("جـهـاد", steps="none") == "جـهـاد"
    with pytest.raises(libclassify.InputError):
        libclassify.normalize("x", steps="no-such-step")


def test_thresholds_override(model_path):
    with libclassify.Model(model_path, thresholds={"extremism": 1.0, "hate": 0.0}) as m:
        assert m.thresholds["extremism"] == 1.0 and m.thresholds["hate"] == 0.0
        r = m.score("صباح الخير")
        assert "hate" in r["flagged"] and "extremism" not in r["flagged"]
    with pytest.raises(libclassify.InputError):
        libclassify.Model(model_path, thresholds={"nope": 0.5})
    with pytest.raises(ValueError):
        libclassify.Model(model_path, thresholds={"hate": 1.5})
    with pytest.raises(TypeError):
        libclassify.Model(model_path, thresholds=[("hate", 0.5)])


def test_truncation(model_path):
    with libclassify.Model(model_path, max_bytes=100) as m:
        assert m.max_bytes == 100
        head = "ا" * 50  # 100 bytes
        r = m.score(head + "الدولة الإسلامية باقية وتتمدد" * 100)
        assert r["truncated"] is True
        assert r["scores"] == m.score(head)["scores"]
        assert m.score(head)["truncated"] is False
        # the cut is at a character boundary at or below the limit
        assert m.score("ب" + head)["scores"] == m.score("ب" + "ا" * 49)["scores"]
        big = "كلمة " * 2_000_000  # 18 MB of UTF-8: only the prefix is encoded
        assert m.score(big)["truncated"] is True
    with pytest.raises(ValueError):
        libclassify.Model(model_path, max_bytes=-1)
    with pytest.raises(TypeError):
        libclassify.Model(model_path, max_bytes="10")


def test_no_limit_scores_whole_text(model_path):
    with libclassify.Model(model_path, max_bytes=0) as m:
        r = m.score("صباح الخير " * 200_000)  # 4.4 MB, over the default limit
        assert r["truncated"] is False


def test_errors_carry_code_and_message(model):
    with pytest.raises(libclassify.InputError) as e:
        model.score(b"abc\xff")
    assert isinstance(e.value, ValueError) and isinstance(e.value, libclassify.Error)
    assert e.value.code == libclassify.error_codes["CLF_E_UTF8"] == -4
    assert e.value.name == "CLF_E_UTF8"
    assert "offset 3" in e.value.message
    assert libclassify.strerror(-4) == str(libclassify.strerror(e.value.code))


def test_bad_model_files(tmp_path, model_path):
    with open(model_path, "rb") as f:
        data = f.read()
    cases = {"empty": b"", "truncated": data[: len(data) // 2],
             "flipped": data[:5000] + bytes([data[5000] ^ 1]) + data[5001:], "text": b"hello\n" * 100}
    for name, blob in cases.items():
        p = tmp_path / name
        p.write_bytes(blob)
        with pytest.raises(libclassify.ModelError) as e:
            libclassify.Model(str(p))
        assert e.value.code < 0 and e.value.message, name
    with pytest.raises(libclassify.ModelError):
        libclassify.Model(str(tmp_path))  # a directory
    with pytest.raises(ValueError):
        libclassify.Model("a\0b")
    with pytest.raises(TypeError):
        libclassify.Model(42)
    libclassify.Model(os.fsencode(model_path)).close()  # bytes and PathLike paths
    libclassify.Model(tmp_path.__class__(model_path)).close()


def test_close_and_context_manager(model_path):
    m = libclassify.Model(model_path)
    with m as same:
        assert same is m
        same.score("x")
    assert m.closed
    for call in (lambda: m.score("x"), lambda: m.score_many(["x"]), lambda: m.explain("x"),
                 lambda: m.thresholds, lambda: m.normalize("x")):
        with pytest.raises(ValueError):
            call()
    m.close()  # twice is fine
    assert "closed" in repr(m)
    with pytest.raises(ValueError):
        with m:
            pass


def test_score_many_arguments(model):
    assert model.score_many([]) == []
    assert model.score_many(iter(["a", "b"])) == [model.score("a"), model.score("b")]
    assert model.score_many(("a",), threads=8) == [model.score("a")]
    for bad in ("a string", b"bytes"):
        with pytest.raises(TypeError):
            model.score_many(bad)
    with pytest.raises(TypeError):
        model.score_many(None)
    with pytest.raises(TypeError):
        model.score_many(5)
    for t in (0, -1, 65):
        with pytest.raises(ValueError):
            model.score_many(["a"], threads=t)
    with pytest.raises(ValueError):
        model.score_many(["a"], errors="ignore")


def test_score_many_errors(model):
    docs = ["صباح الخير", b"\xc3\x28", "\ud800", "الدولة الإسلامية"]
    with pytest.raises(libclassify.InputError) as e:
        model.score_many(docs)
    assert e.value.message.startswith("texts[1]: ")
    assert e.value.code == -4
    out = model.score_many(docs, errors="record", threads=2)
    assert out[0] == model.score(docs[0]) and out[3] == model.score(docs[3])
    assert out[1]["code"] == -4 and "UTF-8" in out[1]["error"]
    assert out[2]["code"] == -4 and "surrogate" in out[2]["error"]
    with pytest.raises(TypeError) as e:
        model.score_many(["a", None], errors="record")  # wrong types always raise
    assert "texts[1]" in str(e.value)


def test_score_many_large_batch_keeps_order(model):
    docs = texts.generated(10_000, seed=7)  # more than one internal chunk
    one = model.score_many(docs, threads=1)
    two = model.score_many(docs, threads=2)
    assert one == two
    for i in (0, 4095, 4096, 9999):
        assert one[i] == model.score(docs[i])


def test_explain_shape(model):
    e = model.explain(PROPAGANDA, k=3)
    assert {"scores", "flagged", "truncated", "abstain", "normalized", "explanation"} <= set(e)
    assert e["scores"] == model.score(PROPAGANDA)["scores"]
    assert e["normalized"] == model.normalize(PROPAGANDA)
    ex = e["explanation"]["extremism"]
    up = ex["words"]["up"]
    assert 1 <= len(up) <= 3
    assert all(w["normalized"] in e["normalized"].split() for w in up)
    assert all(isinstance(w["count"], int) and w["count"] == len(w["spans"]) >= 1 for w in up)
    assert all(w["kind"] == "word" for w in up)
    for w in up:  # spans point into the text as given: str indices and UTF-8 bytes
        s = w["spans"][0]
        assert PROPAGANDA[s["cp_start"]:s["cp_end"]] == w["word"]
        assert PROPAGANDA.encode()[s["start"]:s["end"]] == w["word"].encode()
    obf = "الدولـــــة الإسلامية"
    w = model.explain(obf, 5)["explanation"]["extremism"]["words"]["up"]
    assert {x["normalized"]: x["word"] for x in w}["الدوله"] == "الدولـــــة"
    c = [w["contribution"] for w in up]
    assert c == sorted(c, reverse=True) and c[0] > 0
    feats = ex["features"]["up"]
    assert all(f["family"] in ("word", "char", "char_cross", "stem") for f in feats)
    assert model.explain("x", k=0)["explanation"]["hate"]["words"]["up"] == []
    for bad in (-1, 1001):
        with pytest.raises(ValueError):
            model.explain("x", k=bad)
    with pytest.raises(TypeError):
        model.explain(None)
    with pytest.raises(libclassify.InputError):
        model.explain(b"\xff")


def test_persuasion_model_is_shipped(model_path, cli, tmp_path, monkeypatch):
    """The second shipped model is installed in the package like the default one: the same
    bytes as the source tree's models/arabic-persuasion.clf, loadable without the tree, every
    category report-only (signals, never flagged), the CLI's scores; $CLF_MODEL moves only
    the default."""
    from test_cli import cli_records
    src = os.path.join(os.path.dirname(model_path), "arabic-persuasion.clf")
    path = libclassify.persuasion_model_path()
    assert path == libclassify.shipped_model_path("arabic-persuasion")
    assert "arabic-persuasion" in libclassify.SHIPPED_MODELS
    assert os.path.dirname(path) == os.path.join(os.path.dirname(libclassify.__file__), "models")
    assert os.path.realpath(path) != os.path.realpath(src)  # a copy inside the package
    with open(path, "rb") as a, open(src, "rb") as b:
        assert a.read() == b.read()
    monkeypatch.setenv("CLF_MODEL", "/nonexistent/model.clf")
    assert libclassify.persuasion_model_path() == path
    docs = [texts.FIXED[i] for i in range(len(texts.FIXED)) if "\0" not in texts.FIXED[i]]
    docs.append("يجب أن نقف معا ضد الفساد الذي يدمر بلادنا، فالخونة لا يريدون لنا الخير أبدا")
    recs = cli_records(cli, src, docs, tmp_path)
    with libclassify.Model(path) as m:
        assert m.name == "arabic-persuasion"
        assert re.fullmatch(r"arabic-persuasion@[0-9a-f]{8,16}", m.id), m.id
        assert m.metadata["recipe_name"] == "arabic-persuasion"
        assert "propaganda" in m.categories and "loaded_language" in m.categories
        assert "extremism" not in m.categories
        signalled = 0
        for d, r in zip(docs, recs):
            got = m.score(d)
            assert r["model"] == m.id
            assert got["scores"] == r["scores"]
            assert got["flagged"] == set() and r["flagged"] == []
            assert got["abstain"] == r.get("abstain")
            if got["abstain"]:  # nothing to judge: no signal, whatever the base-rate scores
                assert got["signals"] == set()
            else:
                assert got["signals"] == {c for c, p in got["scores"].items()
                                          if p >= m.thresholds[c]}
            assert sorted(got["signals"]) == sorted(r.get("signals", []))
            signalled += bool(got["signals"])
        assert signalled > 0  # the comparison of signals means something
    with pytest.raises(ValueError, match="arabic-persuasion"):
        libclassify.shipped_model_path("arabic-nope")
    with pytest.raises(ValueError):
        libclassify.shipped_model_path("../models/arabic-default")
