#!/usr/bin/python3
# fresh_probes.py MODEL - flag counts on training/synthetic/fresh-probes.tsv: benign kinds must
# not be flagged as anything; pledge/praise/call_join/glorify must be flagged extremism, threats and
# calls to violence incitement. Run from the project root with build/classify built.
import sys,json,subprocess,collections
M=sys.argv[1]
exp={'pledge':'extremism','praise':'extremism','call_join':'extremism','glorify':'extremism','threat_extremist':'incitement','threat_personal':'incitement','call_violence':'incitement'}
f='training/synthetic/fresh-probes.tsv'
kinds={}; texts={}
for l in open(f):
    p=l.rstrip('\n').split('\t')
    if len(p)==3 and p[0]!='id': kinds[p[0]]=p[1]; texts[p[0]]=p[2]
run=subprocess.run(['build/classify','score','-m',M,'--format','tsv','--output','jsonl',f],capture_output=True,text=True)
if run.returncode != 0:
    sys.exit('fresh_probes.py: classify score failed: ' + run.stderr.strip())
out=run.stdout
import glob
train=set()
for tf in glob.glob('training/synthetic/*.tsv'):
    if 'probes' in tf: continue
    for l in open(tf, encoding='utf-8'):
        train.add(" ".join(l.rstrip('\n').split('\t')[-1].split()))
seen={i for i,t in texts.items() if " ".join(t.split()) in train}
ok=collections.Counter(); n=collections.Counter(); bad=[]
for l in out.splitlines():
    r=json.loads(l)
    i=r.get('id')
    if i not in kinds: continue
    k=kinds[i]; n[k]+=1; fl=r.get('flagged',[])
    if k in exp:
        good = exp[k] in fl
    else:
        good = not fl
    ok[k]+=good
    if not good: bad.append((i,fl,{c:round(v,2) for c,v in r.get('scores',{}).items() if c!='propaganda'},texts[i]))
if sum(n.values()) != len(kinds):
    sys.exit('fresh_probes.py: %d probes, %d scored' % (len(kinds), sum(n.values())))
tb=sum(n[k]-ok[k] for k in n if k not in exp); nb=sum(n[k] for k in n if k not in exp)
tp=sum(ok[k] for k in n if k in exp); np_=sum(n[k] for k in n if k in exp)
for k in n: print('%-18s %s %d/%d'%(k,'recall' if k in exp else 'wrong-flag', ok[k] if k in exp else n[k]-ok[k], n[k]))
print('benign flagged %d/%d, positives caught %d/%d'%(tb,nb,tp,np_))
nov=[i for i in kinds if i not in seen]
bn=[i for i in nov if kinds[i] not in exp]; pn=[i for i in nov if kinds[i] in exp]
badids={b[0] for b in bad}
print('not equal to any training row (%d items): benign flagged %d/%d, positives caught %d/%d'%(len(nov),
      sum(1 for i in bn if i in badids),len(bn),sum(1 for i in pn if i not in badids),len(pn)))
for b in bad: print(' ',b[0],b[1],b[2],b[3])
