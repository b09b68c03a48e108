#!/usr/bin/python3
# or_experts.py DIR PARENT EXPERT MODEL - the per-source expert measurement of the model card
# ("Measured on this model after the eighth round"): DIR holds `classify score --format tsv
# --output jsonl` of each corpus's dev.tsv (DIR/<corpus>.jsonl) under MODEL, a model with an extra
# category EXPERT; prints per corpus F1 and AP of PARENT, of EXPERT and of "either flags", ranked by
# max(logit p - logit threshold). The recipe: training/recipes/arabic-default.json with "sectarian"
# appended to categories, Aref's label "offensive" mapped to hate, offensive and sectarian (and
# sectarian in its annotates), and sectarian in negatives_for of the news, synthetic-benign,
# synthetic-verses, osact2020, osact2022, l-hsab, t-hsab, mlma-ar and armi2021-train entries.
# Run from the project root with Debian's /usr/bin/python3 (python3-sklearn computes F1 and AP).
import glob
import json
import math
import os
import subprocess
import sys

from sklearn.metrics import average_precision_score, f1_score

D, P, E, M = sys.argv[1:5]
meta = json.loads(subprocess.run(["build/classify", "info", "--metadata", M],
                                 capture_output=True, text=True, check=True).stdout)
tP = meta["categories"][P]["threshold"]["value"]
tE = meta["categories"][E]["threshold"]["value"]


def lg(p):
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def ap(s, y):
    return average_precision_score(y, s)


def f1(fl, y):
    return f1_score(y, fl, zero_division=0)


labmap={'osact2020':{'hate'},'osact2022':{'hate','hate_race','hate_religion','hate_ideology','hate_disability','hate_social_class','hate_gender'},'l-hsab':{'hate'},'t-hsab':{'hate'},'mlma-ar':{'hateful'},'aref2020-sectarian-hs':{'offensive'}}
for f in sorted(glob.glob(D+'/*.jsonl')):
    c=os.path.basename(f)[:-6]
    gold={}
    for l in open('../shared/corpora/%s/dev.tsv'%c):
        p=l.rstrip('\n').split('\t')
        if len(p)>=3: gold[p[0]]=set(x for x in p[1].split(',') if x)
    sp=[];se=[];y=[];sc=[]
    for l in open(f):
        r=json.loads(l)
        if 'scores' not in r: continue
        a=r['scores'][P]; b=r['scores'][E]
        sp.append(a); se.append(b)
        sc.append(max(lg(a)-lg(tP), lg(b)-lg(tE)))
        y.append(1 if (c in labmap and gold.get(r['id'],set())&labmap[c]) else 0)
    n=len(y)
    fp_=[s>=tP for s in sp]; fe=[s>=tE for s in se]; fo=[s>=0 for s in sc]
    if c in labmap:
        print('%-28s n=%4d pos=%3d | parent F1 %.3f AP %.3f | expert F1 %.3f AP %.3f | OR F1 %.3f AP %.3f'%(c,n,sum(y),f1(fp_,y),ap(sp,y),f1(fe,y),ap(se,y),f1(fo,y),ap(sc,y)))
    else:
        print('%-28s n=%4d flagged parent %d expert %d OR %d'%(c,n,sum(fp_),sum(fe),sum(fo)))
