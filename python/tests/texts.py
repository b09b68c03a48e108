"""Test texts written for these tests (no corpus text): short Arabic
sentences, the evasions the normalizer undoes, edge cases, and a generator
of many documents for the thread and Dask tests."""
import os
import random

_HERE = os.path.dirname(os.path.abspath(__file__))
_SOURCE = os.environ.get("CLF_SOURCE_DIR") or os.path.abspath(os.path.join(_HERE, "..", ".."))

WORDS = (
    "الخير صباح يا أصدقاء الجو اليوم جميل الحديقة العائلة المدرسة الكتاب السوق "
    "الوزارة أعلنت القبض خلية إرهابية تنظيم هجمات الأمن مكافحة الإرهاب المتحدث "
    "الدولة الإسلامية باقية وتتمدد بايعوا أمير المؤمنين الخلافة جنود الطواغيت "
    "المرتدين النصر انفروا الجهاد غبي حمار اسكت حقير تافه كلامك يسمع "
    "الله الناس الحرب السلام غزة القدس الشعب الحكومة الجيش المظاهرة الشرطة "
    "اقتلوهم احرقوا اطردوا الكفار اليهود الشيعة السنة النصارى المسلمين الأجانب "
    "مباراة الفريق الهدف الملعب اللاعب جميلة رائع شكرا مبروك الطقس المطر"
).split()

FIXED = [
    "",
    " ",
    "\n\t ",
    "صباح الخير يا أصدقاء، الجو اليوم جميل",
    "الدولة الإسلامية باقية وتتمدد",
    "الدولـــــة الإســـلامـیـة باقـ\u200bـیـة و\u200dتـتـمـدد",  # tatweel, zero-width, look-alikes
    "ج ه ا د في سبيل الله",  # spaced-out letters
    "جهاااااد",  # elongation
    "اسكت يا غبي يا حمار",
    "أعلنت وزارة الداخلية القبض على خلية إرهابية مرتبطة بتنظيم داعش",
    "hello world, no Arabic here",
    "١٢٣ ٤٥٦ arabic-indic digits",
    "@user http://example.com/x #الخلافة_باقية",
    "😀😀 🔥 !!!",
    "\ufeffالدولة\u0000الإسلامية",  # BOM and NUL
    "ﻻ ﷲ ﺍﻟﺨﻼﻓﺔ",  # presentation forms
    "a" * 5000,
    "كلمة " * 3000,
]


def sample_files():
    d = os.path.join(_SOURCE, "samples")
    out = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".txt"):
            with open(os.path.join(d, name), encoding="utf-8") as f:
                out.append(f.read().strip("\n"))
    assert out, "no samples/*.txt"
    return out


def generated(n, seed=1405):
    """n documents of 1-60 words drawn from WORDS, deterministic."""
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        k = rng.randint(1, 60)
        docs.append(" ".join(rng.choice(WORDS) for _ in range(k)))
    return docs


def all_texts():
    return FIXED + sample_files() + generated(300)
