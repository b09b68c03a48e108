#!/usr/bin/python3
"""obfuscate.py - deterministic evasion-style obfuscation of Arabic text (stdlib only).

Reads a corpus TSV (`id<TAB>labels<TAB>text`, header line kept as is) or, with
--plain, one text per line, and writes the same rows with the text obfuscated
the way people who try to slip past keyword/n-gram filters do. Ids, labels and
row order are never changed; only the text column is rewritten.

    /usr/bin/python3 bench/obfuscate.py --mode mixed --seed 7 IN.tsv > OUT.tsv
    /usr/bin/python3 bench/obfuscate.py --plain --mode zw --rate 1 < in.txt

Techniques (each is also a --mode of its own):

  tatweel       stuffed kashida U+0640 after joining letters ("جـــهـاد")
  diacritics    random harakat U+064B..U+0652 after letters (1-2 marks)
  zw            zero-width chars (U+200B ZWSP, U+200C ZWNJ, U+200D ZWJ,
                U+2060 WJ, U+FEFF BOM) and bidi marks (U+200E LRM, U+200F RLM,
                U+061C ALM) inside the word
  persian       Persian/Urdu/Kurdish look-alikes: ك->ک (U+06A9),
                ي/ى->ی (U+06CC), ه->ہ (U+06C1) or ە (U+06D5), ة->ۃ (U+06C3)
  presentation  Arabic Presentation Forms-B (U+FE70..U+FEFC) for some letters,
                in the contextual form the letter would take (isolated,
                initial, medial, final), and the lam-alef ligatures (ﻻ ﻼ ﻷ ...)
  elongate      one letter repeated 3-6 times ("جهاااااد")
  alef          alef/hamza and similar orthographic variant swaps:
                أ/إ/آ/ٱ/ا among each other, ة<->ه, ى<->ي, ؤ->و, ئ->ى/ي
  digits        ASCII digits -> Arabic-Indic (U+0660..) or Extended
                Arabic-Indic (U+06F0..) digits (only words that contain digits)
  spaced        the word spelled out letter by letter ("ج ه ا د")

Modes that combine techniques:

  mixed  (default) each touched word gets 1-3 techniques drawn at random
         (spaced only rarely, and then alone); this is what the benchmarks use
  all    every technique stacked on each touched word, except that one touched
         word in five is spaced out instead
  A comma-separated list (e.g. "tatweel,zw") applies exactly those techniques,
  stacked, to each touched word.

--rate (default 0.5) is the probability that an eligible word (one containing
an Arabic letter, or a digit for the digits technique) is touched. With
--rate > 0, a row that has eligible words but drew none gets one touched
anyway, so every non-trivial row differs from its original (--no-min-one to
turn this off).

Determinism: each row gets its own random.Random seeded from (--seed, --mode,
--rate, row id or line number), so the output for a row does not depend on
the other rows, and the same arguments always give byte-identical output.
--stats prints the number of rows and words touched to stderr.
"""

import argparse
import random
import sys
import unicodedata

# ---------------------------------------------------------------- tables ----

TATWEEL = "\u0640"
HARAKAT = [chr(c) for c in range(0x064B, 0x0653)]  # fathatan .. sukun
ZW_CHARS = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
BIDI_MARKS = ["\u200e", "\u200f", "\u061c"]

PERSIAN = {
    "\u0643": ["\u06a9"],            # ك -> ک
    "\u064a": ["\u06cc"],            # ي -> ی
    "\u0649": ["\u06cc"],            # ى -> ی
    "\u0647": ["\u06c1", "\u06d5"],  # ه -> ہ / ە
    "\u0629": ["\u06c3"],            # ة -> ۃ
}

ALEF_SWAPS = {
    "\u0627": ["\u0623", "\u0625", "\u0622", "\u0671"],  # ا -> أ إ آ ٱ
    "\u0623": ["\u0627", "\u0625", "\u0622"],            # أ
    "\u0625": ["\u0627", "\u0623"],                      # إ
    "\u0622": ["\u0627", "\u0623"],                      # آ
    "\u0629": ["\u0647"],                                # ة -> ه
    "\u0647": ["\u0629"],                                # ه -> ة (word-final only)
    "\u0649": ["\u064a"],                                # ى -> ي
    "\u064a": ["\u0649"],                                # ي -> ى (word-final only)
    "\u0624": ["\u0648"],                                # ؤ -> و
    "\u0626": ["\u0649", "\u064a"],                      # ئ -> ى / ي
}
FINAL_ONLY_SWAPS = {"\u0647", "\u064a"}

DIGIT_SETS = [0x0660, 0x06F0]


def _is_arabic_letter(ch):
    if len(ch) != 1:
        return False
    o = ord(ch)
    return ((0x0621 <= o <= 0x063A) or (0x0641 <= o <= 0x064A) or o == 0x0671
            or o in (0x06A9, 0x06CC, 0x06C1, 0x06D5, 0x06C3))


def _build_presentation():
    """letter -> {form: presentation char} from the Unicode decompositions."""
    forms = {}
    ligatures = {}
    for cp in range(0xFE70, 0xFEFD):
        ch = chr(cp)
        dec = unicodedata.decomposition(ch)
        if not dec.startswith("<"):
            continue
        tag, _, rest = dec.partition(" ")
        tag = tag.strip("<>")
        base = "".join(chr(int(x, 16)) for x in rest.split())
        if len(base) == 1 and _is_arabic_letter(base):
            forms.setdefault(base, {})[tag] = ch
        elif len(base) == 2 and base[0] == "\u0644" and tag in ("isolated", "final"):
            ligatures.setdefault(base, {})[tag] = ch
    return forms, ligatures


PRES_FORMS, LAM_ALEF = _build_presentation()
# A letter joins the following letter iff it has initial/medial forms.
DUAL_JOINING = {b for b, f in PRES_FORMS.items() if "initial" in f}
# dual-joining look-alikes that the persian technique may have put in the word
DUAL_JOINING_EXTRA = {"\u06a9", "\u06cc", "\u06c1"}


def _joins_next(ch):
    return ch in DUAL_JOINING or ch in DUAL_JOINING_EXTRA or ch == TATWEEL


# ------------------------------------------------------------ techniques ----
# Each technique takes (word, rng) and returns the new word. They are applied
# in a fixed order (see ORDER) so that e.g. presentation forms are chosen on
# the letters that are actually there.


def t_alef(w, rng):
    out = list(w)
    idx = [i for i, c in enumerate(out) if c in ALEF_SWAPS
           and (c not in FINAL_ONLY_SWAPS or i == len(out) - 1)]
    if not idx:
        return w
    for i in rng.sample(idx, max(1, len(idx) // 2)):
        out[i] = rng.choice(ALEF_SWAPS[out[i]])
    return "".join(out)


def t_persian(w, rng):
    out = list(w)
    idx = [i for i, c in enumerate(out) if c in PERSIAN]
    if not idx:
        return w
    for i in idx:
        if rng.random() < 0.8:
            out[i] = rng.choice(PERSIAN[out[i]])
    return "".join(out)


def t_elongate(w, rng):
    idx = [i for i, c in enumerate(w) if _is_arabic_letter(c)]
    if not idx:
        return w
    vowels = [i for i in idx if w[i] in "\u0627\u0648\u064a\u0649"]
    i = rng.choice(vowels if vowels and rng.random() < 0.7 else idx)
    return w[:i] + w[i] * rng.randint(3, 6) + w[i + 1:]


def t_diacritics(w, rng):
    out = []
    for c in w:
        out.append(c)
        if _is_arabic_letter(c) and rng.random() < 0.5:
            out.append(rng.choice(HARAKAT))
            if rng.random() < 0.2:
                out.append(rng.choice(HARAKAT))
    return "".join(out)


def t_tatweel(w, rng):
    # insert after a letter that joins forward, when a letter follows it
    letters = [i for i, c in enumerate(w) if _is_arabic_letter(c)]
    slots = [i for i in letters[:-1] if w[i] in DUAL_JOINING or w[i] in DUAL_JOINING_EXTRA]
    if not slots:
        slots = letters[:-1]
    if not slots:
        return w
    chosen = {i for i in slots if rng.random() < 0.6} or {rng.choice(slots)}
    out = []
    for i, c in enumerate(w):
        out.append(c)
        if i in chosen:
            # keep diacritics attached to their letter: insert after them
            out.append("")  # placeholder, resolved below
    # resolve placeholders after any following diacritics
    res, pending = [], 0
    for piece in out:
        if piece == "":
            pending += rng.randint(1, 3)
            continue
        if pending and not ("\u064b" <= piece <= "\u0652"):
            res.append(TATWEEL * pending)
            pending = 0
        res.append(piece)
    if pending:
        res.append(TATWEEL * pending)
    return "".join(res)


def t_presentation(w, rng):
    chars = list(w)
    n = len(chars)

    def prev_letter(i):
        j = i - 1
        while j >= 0 and "\u064b" <= chars[j] <= "\u0652":
            j -= 1
        return chars[j] if j >= 0 else ""

    def next_letter(i):
        j = i + 1
        while j < n and "\u064b" <= chars[j] <= "\u0652":
            j += 1
        return chars[j] if j < n else ""

    out = []
    i = 0
    while i < n:
        c = chars[i]
        p = prev_letter(i)
        joined_prev = _joins_next(p)
        # lam-alef ligature
        if c == "\u0644" and i + 1 < n and (c + chars[i + 1]) in LAM_ALEF and rng.random() < 0.7:
            lig = LAM_ALEF[c + chars[i + 1]]
            out.append(lig["final" if joined_prev and "final" in lig else "isolated"])
            i += 2
            continue
        if c in PRES_FORMS and rng.random() < 0.6:
            f = PRES_FORMS[c]
            nx = next_letter(i)
            joins_next = c in DUAL_JOINING and (_is_arabic_letter(nx) or nx == TATWEEL)
            if joined_prev and joins_next:
                form = "medial"
            elif joined_prev:
                form = "final"
            elif joins_next:
                form = "initial"
            else:
                form = "isolated"
            out.append(f.get(form) or f.get("isolated") or c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def t_zw(w, rng):
    if len(w) < 2:
        return w
    pool = ZW_CHARS + BIDI_MARKS
    positions = sorted(rng.sample(range(1, len(w)), min(len(w) - 1, rng.randint(1, 3))))
    out, last = [], 0
    for p in positions:
        out.append(w[last:p])
        out.append(rng.choice(pool))
        last = p
    out.append(w[last:])
    return "".join(out)


def t_digits(w, rng):
    if not any("0" <= c <= "9" for c in w):
        return w
    base = rng.choice(DIGIT_SETS)
    return "".join(chr(base + ord(c) - 48) if "0" <= c <= "9" else c for c in w)


def t_spaced(w, rng):
    # keep any diacritics with their letter
    units = []
    for c in w:
        if units and ("\u064b" <= c <= "\u0652" or c == TATWEEL):
            units[-1] += c
        else:
            units.append(c)
    return " ".join(units)


TECHNIQUES = {
    "alef": t_alef,
    "persian": t_persian,
    "elongate": t_elongate,
    "diacritics": t_diacritics,
    "tatweel": t_tatweel,
    "presentation": t_presentation,
    "zw": t_zw,
    "digits": t_digits,
    "spaced": t_spaced,
}
ORDER = ["alef", "persian", "digits", "elongate", "diacritics", "tatweel",
         "presentation", "spaced", "zw"]
CHAR_LEVEL = [t for t in ORDER if t != "spaced"]
MODES = ["all", "mixed"] + ORDER


def _eligible(w, techs):
    if any(_is_arabic_letter(c) for c in w):
        return True
    return ("digits" in techs) and any("0" <= c <= "9" for c in w)


def _pick(mode, rng):
    """Techniques to apply to one touched word, in application order."""
    if mode == "mixed":
        if rng.random() < 0.1:
            return ["spaced"]
        k = rng.choice((1, 1, 2, 2, 3))
        chosen = set(rng.sample(CHAR_LEVEL, k))
        return [t for t in ORDER if t in chosen]
    if mode == "all":
        if rng.random() < 0.2:
            return ["spaced"]
        return list(CHAR_LEVEL)
    return [t for t in ORDER if t in mode]


def obfuscate_text(text, mode, rate, rng, min_one=True, counter=None):
    """Obfuscate one text. mode is 'mixed', 'all' or a set of technique names."""
    possible = set(ORDER) if mode in ("mixed", "all") else set(mode)
    words = text.split(" ")
    eligible = [i for i, w in enumerate(words) if w and _eligible(w, possible)]
    touched = [i for i in eligible if rng.random() < rate]
    if not touched and eligible and min_one and rate > 0:
        touched = [rng.choice(eligible)]
    for i in touched:
        w = words[i]
        for t in _pick(mode, rng):
            w = TECHNIQUES[t](w, rng)
        words[i] = w
    if counter is not None:
        counter["words"] += len(touched)
        counter["changed_rows"] += 1 if touched else 0
    return " ".join(words)


def parse_mode(s):
    if s in ("mixed", "all"):
        return s
    parts = [p.strip() for p in s.split(",") if p.strip()]
    bad = [p for p in parts if p not in TECHNIQUES]
    if bad or not parts:
        raise argparse.ArgumentTypeError(
            "unknown mode %r; choose from %s or a comma list of techniques" % (s, "|".join(MODES)))
    return frozenset(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?", default="-", help="input file (default stdin)")
    ap.add_argument("-o", "--out", default="-", help="output file (default stdout)")
    ap.add_argument("--mode", type=parse_mode, default="mixed",
                    help="|".join(MODES) + " or a comma list of techniques (default mixed)")
    ap.add_argument("--rate", type=float, default=0.5,
                    help="probability that an eligible word is touched (default 0.5)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--plain", action="store_true", help="input is one text per line, not TSV")
    ap.add_argument("--no-min-one", action="store_true",
                    help="do not force at least one touched word per row")
    ap.add_argument("--stats", action="store_true", help="print counts to stderr")
    a = ap.parse_args(argv)
    if not 0.0 <= a.rate <= 1.0:
        ap.error("--rate must be in [0, 1]")

    mode_key = a.mode if isinstance(a.mode, str) else ",".join(sorted(a.mode))
    fin = sys.stdin if a.input == "-" else open(a.input, encoding="utf-8", newline="")
    fout = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8", newline="")
    if fin is sys.stdin:
        sys.stdin.reconfigure(encoding="utf-8", newline="")
    if fout is sys.stdout:
        sys.stdout.reconfigure(encoding="utf-8", newline="")
    counter = {"words": 0, "changed_rows": 0, "rows": 0}
    for lineno, line in enumerate(fin):
        eol = ""
        if line.endswith("\r\n"):
            line, eol = line[:-2], "\r\n"
        elif line.endswith("\n"):
            line, eol = line[:-1], "\n"
        if a.plain:
            key, prefix, text = str(lineno), "", line
        else:
            if lineno == 0 and line.startswith("id\t"):
                fout.write(line + eol)
                continue
            parts = line.split("\t", 2)
            if len(parts) < 3:
                fout.write(line + eol)
                continue
            key, prefix, text = parts[0], parts[0] + "\t" + parts[1] + "\t", parts[2]
        rng = random.Random("%d|%s|%r|%s" % (a.seed, mode_key, a.rate, key))
        counter["rows"] += 1
        fout.write(prefix + obfuscate_text(text, a.mode, a.rate, rng,
                                           min_one=not a.no_min_one, counter=counter) + eol)
    fout.flush()
    if a.stats:
        print("obfuscate: %(rows)d rows, %(changed_rows)d changed, %(words)d words touched" % counter,
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
