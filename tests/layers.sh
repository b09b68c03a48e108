#!/usr/bin/env bash
# layers.sh - the build enforces the layers (issue 8, structure):
#  - the runtime's include path cannot reach training/, eval/, io/ or cli/
#    headers (an upward include does not compile), while internal headers
#    are reachable through clf_internal only;
#  - no runtime source includes upward by a relative path;
#  - library code never writes to stderr/stdout (no such symbol is used);
#  - the shared library links only ICU (icu-uc), libstemmer, xxhash and libc/libm,
#    and the .pc file names no more and is relocatable (${prefix}).
# Run by ctest as: layers.sh CC SRC RUNTIME_INCS TRAINING_INCS LIB_A LIB_SO PC_FILE
set -u
CC="$1"; SRC="$2"; RT_INCS="$3"; TR_INCS="$4"; LIB_A="$5"; LIB_SO="$6"; PC="$7"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
flags() { local f="" d; IFS=';' read -ra ds <<<"$1"; for d in "${ds[@]}"; do [ -n "$d" ] && f="$f -I$d"; done; echo "$f"; }
RT=$(flags "$RT_INCS"); TR=$(flags "$TR_INCS")

# 1. upward includes do not compile with the runtime's include path
for h in model_write.h recipe.h evaluate.h corpus.h atomic.h record.h util.h; do
  [ -n "$(find "$SRC/training" "$SRC/eval" "$SRC/io" "$SRC/cli" -name "$h" | head -1)" ] || { bad "probe header $h does not exist"; continue; }
  printf '#include "%s"\nint clf_probe;\n' "$h" > "$T/up.c"
  if err=$($CC $RT -c "$T/up.c" -o "$T/up.o" 2>&1); then bad "runtime can include $h"
  elif grep -qE "$h(: No such file|' file not found)" <<<"$err"; then ok
  else bad "probe $h failed for another reason: $err"; fi
done
# control: the same path reaches the runtime's own headers, and training's
# path reaches training headers (so the probe above fails for the right reason)
printf '#include "internal.h"\n#include "model/model_internal.h"\nint clf_probe;\n' > "$T/own.c"
$CC $RT -c "$T/own.c" -o "$T/own.o" && ok || bad "runtime cannot include its own headers"
printf '#include "model_write.h"\nint clf_probe;\n' > "$T/tr.c"
$CC $TR -c "$T/tr.c" -o "$T/tr.o" && ok || bad "training cannot include model_write.h"

# 2. no relative upward include in the runtime
up=$(grep -rn '#include *"\.\./' "$SRC/libclassify" || true)
[ -z "$up" ] && ok || bad "relative upward include: $up"

# 3. no stdio output from library code
out=$(nm -u "$LIB_A" 2>/dev/null | awk '{print $2}' |
      grep -xE '(stderr|stdout|fprintf|printf|vfprintf|vprintf|puts|fputs|fputc|putc|putchar|perror|fwrite|dprintf|__fprintf_chk|__printf_chk|__vfprintf_chk)' | sort -u | tr '\n' ' ')
[ -z "$out" ] && ok || bad "library objects use $out"
src=$(grep -rnE '\b(stderr|stdout|fprintf|printf|perror|puts)\b' "$SRC/libclassify" --include=*.c |
      grep -v '^\S*: *\*\|snprintf\|vsnprintf' || true)
[ -z "$src" ] && ok || bad "library sources mention stdio output: $src"

# 4. what the shared library needs
needed=$(readelf -d "$LIB_SO" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
for lib in $needed; do
  case "$lib" in
    libicuuc.so.*|libicudata.so.*|libstemmer.so.*|libxxhash.so.*|libm.so.*|libc.so.*|libpthread.so.*|ld-linux*) ok ;;
    libasan.so.*|libubsan.so.*|libtsan.so.*) ok ;; # sanitizer builds
    *) bad "libclassify.so needs $lib" ;;
  esac
done
grep -q 'libicuuc' <<<"$needed" && ok || bad "libclassify.so does not need ICU? ($needed)"

# 5. the .pc file
grep -q -- '-llinear\|icu-i18n\|jansson' "$PC" && bad ".pc names liblinear/icu-i18n/jansson" || ok
grep -q '^libdir=${prefix}/' "$PC" && grep -q '^includedir=${prefix}/' "$PC" && ok ||
  bad ".pc paths are not relative to \${prefix}"

echo "layers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
