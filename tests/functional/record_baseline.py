#!/usr/bin/python3
"""record_baseline.py - write tests/functional/baseline.tsv from a
`classify eval --functional SUITE --json F.json` report of the shipped
model: one line per class (name, measure, value, pass/fail of its limit).
Run it in the commit that ships a retrained model, after checking the
model card's functional table:

  classify eval --functional eval/functional/arabic-functional.json --json f.json
  /usr/bin/python3 tests/functional/record_baseline.py f.json > tests/functional/baseline.tsv
"""
import json
import sys

report = json.load(open(sys.argv[1]))
print("# class\tmeasure\tvalue\tlimit  (functional figures of models/arabic-default.clf; "
      "tests/functional/default_model.sh)")
for c in report["classes"]:
    print(f"{c['name']}\t{c['measure']}\t{c['value']!r}\t"
          f"{'pass' if c['gate']['passed'] else 'fail'}")
